using System.Text.Json.Nodes;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Scheduling;

/// <summary>A schedule trigger's occurrence: found by its trigger id (<c>{flow}:{node}</c>).</summary>
public sealed record ScheduleStimulus(string TriggerId) : Stimulus
{
    public const string BookmarkName = "schedule";

    public override string Name => BookmarkName;

    public override JsonObject Correlation() => new() { ["trigger"] = TriggerId };

    public override string Describe() => $"the schedule of trigger '{TriggerId}'";

    public static ScheduleStimulus? FromCorrelation(JsonNode? payload) =>
        payload?["trigger"] is JsonValue id && id.TryGetValue(out string? text) ? new ScheduleStimulus(text) : null;
}
