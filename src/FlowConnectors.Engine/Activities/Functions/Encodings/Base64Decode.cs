using System.Text;

namespace FlowConnectors.Engine.Activities.Functions.Encodings;

[Activity("Base64.Decode", Category = "Encoding", DisplayName = "Base64 Decode", Description = "Decodes Base64 into UTF-8 text.")]
internal sealed class Base64Decode : Activity
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "URL-safe alphabet (- and _); padding may be left out.")]
    public bool UrlSafe { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var text = Text.Trim();
        if (UrlSafe)
        {
            text = text.Replace('-', '+').Replace('_', '/');
            if (text.Length % 4 != 0) text = text.PadRight(text.Length + 4 - text.Length % 4, '=');
        }
        byte[] bytes;
        try { bytes = Convert.FromBase64String(text); }
        catch (FormatException)
        {
            throw new ActivityFaultException(UrlSafe
                ? "text is not valid URL-safe Base64 (letters, digits, - and _)"
                : "text is not valid Base64 (letters, digits, + and /, padded with = to a multiple of 4)");
        }
        try { Result = StrictUtf8.GetString(bytes); }
        catch (DecoderFallbackException) { throw new ActivityFaultException("the decoded bytes are not UTF-8 text"); }
        return ActivityResult.DoneTask;
    }
}
