using System.Text;

namespace FlowConnectors.Engine.Activities.Functions.Encodings;

[Activity("Base64.Encode", Category = "Encoding", DisplayName = "Base64 Encode", Description = "Encodes text (as UTF-8) in Base64.")]
internal sealed class Base64Encode : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "URL-safe alphabet (- and _ instead of + and /) without = padding.")]
    public bool UrlSafe { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var base64 = Convert.ToBase64String(Encoding.UTF8.GetBytes(Text));
        Result = UrlSafe ? base64.TrimEnd('=').Replace('+', '-').Replace('/', '_') : base64;
        return ActivityResult.DoneTask;
    }
}
