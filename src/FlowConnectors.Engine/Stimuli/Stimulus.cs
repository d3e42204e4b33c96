using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Stimuli;

/// <summary>
/// What wakes a bookmark or starts a trigger, as a typed record (Elsa's stimulus). Its <see cref="Name"/> and
/// <see cref="Correlation"/> give the <see cref="Hash"/> that bookmarks and triggers are stored under, so a
/// stimulus computes it once and finds both. An activity that waits or triggers declares its stimulus types
/// (<see cref="Activities.WaitsForAttribute"/>, <see cref="Activities.Activity.DeclareTrigger"/>); hosts use the
/// records and never the activity's names.
/// </summary>
public abstract record Stimulus
{
    /// <summary>The bookmark (or trigger) name the hash is computed with.</summary>
    public abstract string Name { get; }

    /// <summary>The fields a stimulus must match, exactly; the bookmark's payload.</summary>
    public abstract JsonObject Correlation();

    /// <summary>SHA-256 of the name and the canonical correlation JSON (<see cref="Bookmark.ComputeHash"/>).</summary>
    public string Hash => Bookmark.ComputeHash(Name, Correlation());

    /// <summary>What an instance waiting for it waits for, in words, for people (never a credential).</summary>
    public abstract string Describe();

    /// <summary>True when the correlation is a credential (a callback token): it is never shown.</summary>
    public virtual bool IsSecret => false;
}

/// <summary>An event by name and optional correlation id (<c>POST /api/events</c>); resumes Wait for Event.</summary>
public sealed record EventStimulus(string EventName, string? CorrelationId) : Stimulus
{
    public const string BookmarkName = "event";

    public override string Name => BookmarkName;

    public override JsonObject Correlation() =>
        CorrelationId is null ? new JsonObject { ["event"] = EventName } : new JsonObject { ["event"] = EventName, ["correlationId"] = CorrelationId };

    public override string Describe() =>
        CorrelationId is null ? $"event '{EventName}'" : $"event '{EventName}' with correlation id '{CorrelationId}'";

    /// <summary>Reads the record back from a bookmark's payload.</summary>
    public static EventStimulus? FromCorrelation(JsonNode? payload) =>
        payload?["event"] is JsonValue name && name.TryGetValue(out string? text) ? new EventStimulus(text, (string?)payload["correlationId"]) : null;
}

/// <summary>A POST to a callback URL: the token of a Create Callback node; resumes Wait for Callback.</summary>
public sealed record CallbackStimulus(string Token) : Stimulus
{
    public const string BookmarkName = "callback";

    public override string Name => BookmarkName;

    public override JsonObject Correlation() => new() { ["token"] = Token };

    public override string Describe() => "a POST to its callback URL";

    public override bool IsSecret => true;

    public static CallbackStimulus? FromCorrelation(JsonNode? payload) =>
        payload?["token"] is JsonValue token && token.TryGetValue(out string? text) ? new CallbackStimulus(text) : null;
}

/// <summary>A durable timer that is due: resumes Delay, and ends a Wait for Callback's wait with its timeout.</summary>
public sealed record TimerStimulus(DateTimeOffset ResumeAt) : Stimulus
{
    public const string BookmarkName = "delay";

    public override string Name => BookmarkName;

    public override JsonObject Correlation() => new() { ["resumeAt"] = Values.ValueConverter.FormatDateTime(ResumeAt) };

    public override string Describe() => $"a timer until {Values.ValueConverter.FormatDateTime(ResumeAt)}";

    public static TimerStimulus? FromCorrelation(JsonNode? payload) =>
        payload?["resumeAt"] is JsonValue at && at.TryGetValue(out string? text) &&
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var resumeAt)
            ? new TimerStimulus(resumeAt)
            : null;
}
