namespace FlowConnectors.Engine.Activities.Functions.Encodings;

[Activity("Url.Decode", Category = "Encoding", DisplayName = "URL Decode", Description = "Turns %20-style escapes back into text.")]
internal sealed class UrlDecode : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Also read + as a space, as HTML forms and many query strings write it.")]
    public bool PlusAsSpace { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Uri.UnescapeDataString(PlusAsSpace ? Text.Replace('+', ' ') : Text);
        return ActivityResult.DoneTask;
    }
}
