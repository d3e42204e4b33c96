using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Events;

[Activity("WaitForCallback", Category = "Events", DisplayName = "Wait for Callback",
    Description = "Suspends until the callback URL of a token receives a POST (outcome 'received', body in 'payload'), or until the timeout passes ('timedOut').")]
[Outcomes("received", "timedOut")]
internal sealed class WaitForCallback : Activity
{
    public const string BookmarkName = "callback";

    [Input(Required = true, Description = "The token from a Create Callback node.")] public string Token { get; set; } = "";
    [Input(Description = "How long to wait (e.g. 14.00:00:00); empty waits forever.")] public TimeSpan? Timeout { get; set; }

    [Output] public JsonNode? Payload { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.CreateBookmark(BookmarkName, StimulusOf(Token));
        if (Timeout is { } timeout)
        {
            if (timeout <= TimeSpan.Zero) throw new ActivityFaultException($"timeout must be positive, got {timeout}");
            context.CreateBookmark(Delay.BookmarkName, new JsonObject { ["resumeAt"] = Values.ValueConverter.FormatDateTime(context.Clock.GetUtcNow() + timeout) });
        }
        return ValueTask.FromResult(ActivityResult.Suspend);
    }

    protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        if (bookmark.Name == Delay.BookmarkName) return ValueTask.FromResult(ActivityResult.Outcome("timedOut"));
        Payload = payload;
        return ValueTask.FromResult(ActivityResult.Outcome("received"));
    }

    /// <summary>The correlation payload a POST to the callback URL computes to find this bookmark.</summary>
    public static JsonObject StimulusOf(string token) => new() { ["token"] = token };
}
