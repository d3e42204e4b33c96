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
        // 256 random bits: the token is the only thing that authorises the callback.
        Token = Base64Url(RandomNumberGenerator.GetBytes(32));
        Url = context.Services.GetService(typeof(ICallbackUrls)) is ICallbackUrls urls ? urls.UrlFor(Token) : "/callbacks/" + Token;
        return ActivityResult.DoneTask;
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
