namespace FlowConnectors.Engine.Activities.Functions.Encodings;

[Activity("Url.Encode", Category = "Encoding", DisplayName = "URL Encode",
    Description = "Percent-encodes text for use in a URL path segment or query value (space → %20).")]
internal sealed class UrlEncode : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Uri.EscapeDataString(Text);
        return ActivityResult.DoneTask;
    }
}
