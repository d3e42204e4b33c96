using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Stimuli;
using FlowConnectors.Runtime;
using FlowConnectors.Scheduling.Activities;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Scheduling;

/// <summary>A schedule trigger node at a flow's start and the schedule its literal inputs give.</summary>
public sealed record ScheduleTrigger(string NodeId, string Type, ScheduleSpec Spec)
{
    public ISchedule Schedule => Spec.Schedule;
}

/// <summary>The schedule triggers of a flow, and why any could not be described.</summary>
public sealed record ScheduleTriggerSet(IReadOnlyList<ScheduleTrigger> Triggers, IReadOnlyList<FormatProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>
/// What a host needs to run schedule-triggered flows: which start nodes are schedule triggers and
/// with what schedule, the timer that fires one, and the run properties a triggered instance gets.
/// </summary>
public static class ScheduleTriggers
{
    /// <summary>
    /// Run property (<c>RunOptions.Properties</c>) holding the ISO 8601 instant a trigger fired for;
    /// the trigger node outputs it as <c>firedAt</c> (the clock's time when absent).
    /// </summary>
    public const string FiredAtProperty = "schedule.firedAt";

    /// <summary>Activity types of the schedule triggers: Schedule.Timer, Schedule.Cron, Schedule.DailyAt.</summary>
    public static IReadOnlyCollection<string> Types => (IReadOnlyCollection<string>)ScheduleInputs.Kinds.Keys;

    public static bool IsTrigger(string activityType) => ScheduleInputs.Kinds.ContainsKey(activityType);

    /// <summary>
    /// The schedule of each trigger node at the flow's start (its <c>start</c> node, or every node
    /// without incoming connections). Only literal inputs can be scheduled: an expression, an invalid
    /// value, or a trigger node that is not a start node is reported as a problem with its JSON path.
    /// </summary>
    public static ScheduleTriggerSet Describe(FlowDefinition flow)
    {
        var triggers = new List<ScheduleTrigger>();
        var problems = new List<FormatProblem>();
        var hasIncoming = new HashSet<string>(flow.Connections.Select(c => c.To), StringComparer.Ordinal);
        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            if (!ScheduleInputs.Kinds.TryGetValue(node.Type, out var kind)) continue;
            var path = JsonPath.Index("$.nodes", i);
            var isStart = flow.Start is not null ? flow.Start == node.Id : !hasIncoming.Contains(node.Id);
            if (!isStart)
            {
                problems.Add(FormatProblem.Warning("TRIGGER_NOT_AT_START", path,
                    $"{node.Type} node '{node.Id}' is not where the flow starts, so it never starts the flow", node.Id));
                continue;
            }
            var literal = true;
            foreach (var input in kind.Checks.Keys)
            {
                if (node.Inputs.TryGetValue(input, out var raw) && !ScheduleInputs.TryGetLiteral(raw, out _))
                {
                    literal = false;
                    problems.Add(FormatProblem.Error("SCHEDULE_NOT_LITERAL", InputPath(path, input),
                        $"{input} of '{node.Id}' is an expression; a schedule trigger needs literal values to be scheduled", node.Id));
                }
            }
            if (!literal) continue;
            try
            {
                var spec = kind.Build(input => node.Inputs.TryGetValue(input, out var raw) && ScheduleInputs.TryGetLiteral(raw, out var value) ? value : null);
                triggers.Add(new ScheduleTrigger(node.Id, node.Type, spec));
            }
            catch (ScheduleFormatException e)
            {
                problems.Add(FormatProblem.Error("INVALID_SCHEDULE", InputPath(path, e.Field), $"{node.Id}: {e.Message}", node.Id));
            }
        }
        return new ScheduleTriggerSet(triggers, problems);
    }

    /// <summary>
    /// The durable timer for a trigger's next occurrence after <paramref name="now"/> (null when the
    /// schedule has none): Kind "trigger", the spec JSON as Data, so the scheduler can reschedule it.
    /// </summary>
    public static TimerRecord? CreateTimer(string triggerId, ScheduleSpec spec, DateTimeOffset now) =>
        spec.Schedule.NextAfter(now) is { } due ? TimerFor(triggerId, spec.ToJson(), due) : null;

    /// <summary>Run properties for an instance a trigger timer starts (<see cref="FiredAtProperty"/>).</summary>
    public static Dictionary<string, string> RunProperties(TimerRecord timer) => new(StringComparer.Ordinal)
    {
        [FiredAtProperty] = timer.DueAt.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The id of the instance a trigger starts for its occurrence at <paramref name="due"/>: the same on every node,
    /// so the database's key lets one instance per due time exist.
    /// </summary>
    public static string InstanceIdFor(string triggerId, DateTimeOffset due) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Text.Encoding.UTF8.GetBytes($"{triggerId}\n{due.UtcTicks.ToString(CultureInfo.InvariantCulture)}")).AsSpan(0, 16));

    internal static TimerRecord TimerFor(string triggerId, JsonNode? spec, DateTimeOffset due) => TimerRecord.ForTrigger(triggerId, due, spec);

    /// <summary>
    /// The trigger a schedule node declares: found by the hash of its trigger id, keeping its schedule, first
    /// due at its next occurrence after <paramref name="now"/>. Errors (an expression, an invalid value) go to
    /// <paramref name="problems"/>; a node that is not where the flow starts declares nothing.
    /// </summary>
    internal static FlowTrigger? Declare(FlowDefinition flow, FlowNode node, DateTimeOffset now, ICollection<string> problems)
    {
        var described = Describe(flow);
        foreach (var problem in described.Problems.Where(p => p.IsError && p.NodeId == node.Id)) problems.Add(problem.ToString());
        if (described.Triggers.FirstOrDefault(t => t.NodeId == node.Id) is not { } trigger) return null;
        var spec = trigger.Spec.ToJson();
        return new FlowTrigger(node.Id, "schedule", new ScheduleStimulus($"{flow.Id}:{node.Id}"), new JsonObject { ["schedule"] = spec })
        {
            FirstDue = trigger.Schedule.NextAfter(now),
            TimerData = spec.DeepClone(),
        };
    }

    private static string InputPath(string nodePath, string input) => JsonPath.Property(JsonPath.Property(nodePath, "inputs"), input);
}
