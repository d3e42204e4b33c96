namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Contains", Category = "Text", DisplayName = "Contains", Description = "True when the text contains the search text.")]
internal sealed class Contains : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Required = true)]
    public string Search { get; set; } = "";

    [Input]
    public bool IgnoreCase { get; set; }

    [Output] public bool Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Text.Contains(Search, IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        return ActivityResult.DoneTask;
    }
}
