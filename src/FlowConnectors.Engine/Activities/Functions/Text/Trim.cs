namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Trim", Category = "Text", DisplayName = "Trim",
    Description = "Removes spaces (or the given characters) from both ends of the text.")]
internal sealed class Trim : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Characters to remove instead of white space, e.g. \"/\" or \"-_\".")]
    public string Characters { get; set; } = "";

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Characters.Length == 0 ? Text.Trim() : Text.Trim(Characters.ToCharArray());
        return ActivityResult.DoneTask;
    }
}
