namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Substring", Category = "Text", DisplayName = "Substring",
    Description = "The part of the text that begins at 'start' (0 is the first character) and is 'length' characters long, or runs to the end.")]
internal sealed class Substring : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Position of the first character to keep; 0 is the start of the text.")]
    public int Start { get; set; }

    [Input(Description = "How many characters to keep; empty keeps everything to the end.")]
    public int? Length { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Start < 0 || Start > Text.Length)
            throw new ActivityFaultException($"start {Start} is outside the text, which has {Text.Length} characters");
        if (Length is < 0)
            throw new ActivityFaultException($"length must not be negative, got {Length}");
        if (Length is { } length && Start + length > Text.Length)
            throw new ActivityFaultException($"start {Start} plus length {length} goes past the end of the text, which has {Text.Length} characters");
        Result = Length is { } count ? Text.Substring(Start, count) : Text[Start..];
        return ActivityResult.DoneTask;
    }
}
