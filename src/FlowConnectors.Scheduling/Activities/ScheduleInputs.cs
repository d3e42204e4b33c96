using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;

namespace FlowConnectors.Scheduling.Activities;

/// <summary>
/// How each schedule trigger type turns its (literal) inputs into a <see cref="ScheduleSpec"/>, shared
/// by the activities' validation and <see cref="ScheduleTriggers.Describe"/>. Every
/// <see cref="ScheduleFormatException.Field"/> is the name of the input it is about.
/// </summary>
internal static class ScheduleInputs
{
    public const string DefaultTimeZone = "UTC";

    /// <summary>A trigger type: its inputs, a check per literal input, and the spec from all inputs.</summary>
    internal sealed record TriggerKind(string Type, IReadOnlyDictionary<string, Action<JsonNode?>> Checks, Func<Func<string, JsonNode?>, ScheduleSpec> Build);

    public static readonly IReadOnlyDictionary<string, TriggerKind> Kinds = new[]
    {
        new TriggerKind(ScheduleTimer.TypeName,
            new Dictionary<string, Action<JsonNode?>> { ["every"] = v => Interval(v) },
            read => ScheduleSpec.ForInterval(Interval(read("every")))),
        new TriggerKind(ScheduleCron.TypeName,
            new Dictionary<string, Action<JsonNode?>> { ["expression"] = v => _ = new CronSchedule(Text(v, "expression")), ["timeZone"] = v => TimeZones.Find(Text(v, "timeZone")) },
            read => ScheduleSpec.ForCron(Text(read("expression"), "expression"), TimeZone(read("timeZone")))),
        new TriggerKind(ScheduleDailyAt.TypeName,
            new Dictionary<string, Action<JsonNode?>> { ["time"] = v => ScheduleSpec.ParseTime(Text(v, "time")), ["timeZone"] = v => TimeZones.Find(Text(v, "timeZone")) },
            read => ScheduleSpec.ForDailyAt(ScheduleSpec.ParseTime(Text(read("time"), "time")), TimeZone(read("timeZone")))),
    }.ToDictionary(k => k.Type, StringComparer.Ordinal);

    /// <summary>Checks each literal input of a schedule trigger node; expressions can only be checked when they run.</summary>
    public static void Validate(NodeValidationContext context)
    {
        var kind = Kinds[context.Node.Type];
        foreach (var (input, check) in kind.Checks)
        {
            if (!context.Node.Inputs.ContainsKey(input)) continue; // required inputs are reported by the engine
            if (!context.TryGetLiteral(input, out var value))
            {
                context.AddWarning("SCHEDULE_NOT_LITERAL", input,
                    $"{input} is an expression, so the schedule cannot be known before the flow runs and the trigger cannot be scheduled; use a literal value");
                continue;
            }
            try { check(value); }
            catch (ScheduleFormatException e) { context.AddError("INVALID_SCHEDULE", input, e.Reason); }
        }
    }

    /// <summary>The literal value of an input without <c>{ "literal": … }</c> wrappers, or false for an expression.</summary>
    public static bool TryGetLiteral(JsonNode? raw, out JsonNode? value)
    {
        value = null;
        if (ExpressionCompiler.ContainsExpression(raw)) return false;
        value = raw is JsonObject { Count: 1 } wrapper && wrapper.TryGetPropertyValue("literal", out var inner) ? inner : raw;
        return true;
    }

    private static TimeSpan Interval(JsonNode? value)
    {
        if (value is JsonValue number && number.TryGetValue<double>(out var ms))
            return ms > 0 ? TimeSpan.FromMilliseconds(ms) : throw new ScheduleFormatException("every", $"the interval must be positive, got {ms} ms");
        return ScheduleSpec.ParseInterval(Text(value, "every"));
    }

    private static string TimeZone(JsonNode? value) => value is null ? DefaultTimeZone : Text(value, "timeZone");

    private static string Text(JsonNode? value, string field) => value switch
    {
        null => throw new ScheduleFormatException(field, $"{field} is required"),
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        _ => throw new ScheduleFormatException(field, $"must be a string, got {value.ToJsonString()}"),
    };

    internal static DateTimeOffset FiredAt(ActivityContext context)
    {
        var text = context.GetProperty(ScheduleTriggers.FiredAtProperty);
        return text is not null && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var firedAt)
            ? firedAt.ToUniversalTime()
            : context.Clock.GetUtcNow();
    }

    /// <summary>Runs a trigger node: outputs when it fired and when it fires next.</summary>
    internal static (DateTimeOffset FiredAt, DateTimeOffset? NextAt) Fire(ActivityContext context, Func<ScheduleSpec> spec)
    {
        ScheduleSpec built;
        try { built = spec(); }
        catch (ScheduleFormatException e) { throw new ActivityFaultException($"invalid schedule: {e.Message}"); }
        var firedAt = FiredAt(context);
        return (firedAt, built.Schedule.NextAfter(firedAt));
    }
}
