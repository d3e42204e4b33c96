using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

/// <summary>
/// The two ways a list node picks items: no-code (path + operator + value) or a JavaScript
/// expression that sees <c>item</c> and <c>index</c>.
/// </summary>
internal sealed class ItemCriteria
{
    private readonly ActivityContext _context;
    private readonly string _expression;
    private readonly IReadOnlyList<string> _path;
    private readonly ComparisonOperator _operator;
    private readonly JsonNode? _value;

    public ItemCriteria(ActivityContext context, string path, ComparisonOperator op, JsonNode? value, string expression)
    {
        if (path.Length > 0 && expression.Trim().Length > 0)
            throw new ActivityFaultException("give either 'path' or 'expression', not both");
        _context = context;
        _expression = expression.Trim();
        _path = PathSegments.Parse(path);
        _operator = op;
        _value = value;
    }

    public bool Matches(JsonNode? item, int index)
    {
        if (_expression.Length > 0) return JsonValues.IsTruthy(Evaluate(_context, _expression, item, index));
        var found = _path.Count == 0 ? item : PathSegments.TryGet(item, _path, out var v) ? v : null;
        return _operator switch
        {
            ComparisonOperator.Equals => JsonComparison.LooselyEquals(found, _value),
            ComparisonOperator.NotEquals => !JsonComparison.LooselyEquals(found, _value),
            ComparisonOperator.Contains => Contains(found, _value),
            ComparisonOperator.GreaterThan => JsonComparison.AreOrderable(found, _value) && JsonComparison.Compare(found, _value) > 0,
            ComparisonOperator.LessThan => JsonComparison.AreOrderable(found, _value) && JsonComparison.Compare(found, _value) < 0,
            ComparisonOperator.Exists => !JsonValues.IsNull(found),
            ComparisonOperator.NotExists => JsonValues.IsNull(found),
            _ => throw new ActivityFaultException($"unknown operator '{_operator}'"),
        };
    }

    private static bool Contains(JsonNode? container, JsonNode? value)
    {
        if (container is JsonArray list) return list.Any(item => JsonComparison.LooselyEquals(item, value));
        if (JsonValues.TryGetString(container, out var text) && !JsonValues.IsNull(value))
            return text.Contains(JsonValues.ToText(value), StringComparison.OrdinalIgnoreCase);
        if (container is JsonObject obj && JsonValues.TryGetString(value, out var key)) return obj.ContainsKey(key);
        return false;
    }

    /// <summary>Runs a per-item expression; the result is copied so it never shares a parent with flow state.</summary>
    public static JsonNode? Evaluate(ActivityContext context, string expression, JsonNode? item, int index) =>
        context.EvaluateScript(expression, [KeyValuePair.Create("item", item), KeyValuePair.Create("index", (JsonNode?)JsonValue.Create(index))])
            ?.DeepClone();
}
