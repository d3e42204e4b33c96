using System.Security.Cryptography;

namespace FlowConnectors.Engine.Activities.Events;

[Activity("CreateCallback", Category = "Events", DisplayName = "Create Callback",
    Description = "Creates an unguessable callback URL to hand to another system; a Wait for Callback node waits for the POST to it.")]
internal sealed class CreateCallback : Activity
{
    [Output(Description = "The URL to give the other system.")] public string Url { get; private set; } = "";
    [Output(Description = "The token a Wait for Callback node waits on.")] public string Token { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        // The instance id lets the host tell a callback that came early (queue it) from an unknown or
        // spent one; the 256-bit secret is what authorises it. A host's tokens are derived (the same on a
        // re-run after a crash, so a URL already handed out keeps working); without one they are random.
        var secret = context.Services.GetService(typeof(ICallbackTokens)) is ICallbackTokens tokens
            ? tokens.SecretFor(context.InstanceId, context.NodeId, context.Step)
            : Base64Url(RandomNumberGenerator.GetBytes(32));
        Token = context.InstanceId + "." + secret;
        Url = context.Services.GetService(typeof(ICallbackUrls)) is ICallbackUrls urls ? urls.UrlFor(Token) : "/callbacks/" + Token;
        return ActivityResult.DoneTask;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
