namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Length", Category = "Text", DisplayName = "Text Length", Description = "How many characters the text has.")]
internal sealed class TextLength : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Output] public int Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Text.Length;
        return ActivityResult.DoneTask;
    }
}
