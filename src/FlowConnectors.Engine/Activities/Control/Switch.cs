using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("Switch", Category = "Control",
    Description = "Continues on the first case whose value equals 'value' (cases: { outcome: value }), else on 'default'.")]
[Outcomes("default", Dynamic = true)]
internal sealed class Switch : Activity, INodeValidator
{
    [Input(Description = "The value to match.")]
    public JsonNode? Value { get; set; }

    [Input(Required = true, Description = "Outcome name → value to compare with, in order; text compares ignoring case.", Editor = "json")]
    public JsonObject Cases { get; set; } = [];

    [Output(Description = "The outcome taken.")]
    public string? Matched { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        foreach (var (outcome, candidate) in Cases)
        {
            if (Matches(Value, candidate))
            {
                Matched = outcome;
                return ValueTask.FromResult(ActivityResult.Outcome(outcome));
            }
        }
        Matched = "default";
        return ValueTask.FromResult(ActivityResult.Outcome("default"));
    }

    private static bool Matches(JsonNode? value, JsonNode? candidate)
    {
        if (JsonValues.TryGetString(value, out var a) && JsonValues.TryGetString(candidate, out var b))
            return string.Equals(a, b, StringComparison.OrdinalIgnoreCase);
        if (JsonValues.TryGetNumber(value, out var x) && JsonValues.TryGetNumber(candidate, out var y)) return x == y;
        return JsonValues.DeepEquals(value, candidate);
    }

    public void Validate(NodeValidationContext context)
    {
        if (context.TryGetLiteral("cases", out var cases) && cases is JsonObject obj)
        {
            if (obj.Any(p => p.Key is "default" or "fault"))
                context.AddError("RESERVED_OUTCOME", "cases", "a case cannot be named 'default' or 'fault'");
            context.DeclareOutcomes(obj.Select(p => p.Key).Append("default"));
        }
    }
}
