using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Events;

/// <summary>
/// What a Wait for Callback node accepts: an object from a field path of the callback's JSON body to
/// the value it must have (compared as text, so "123" matches 123) or to a list of allowed values
/// (compared ignoring case). A callback that breaks a rule is refused and the wait goes on.
/// </summary>
public static class CallbackRules
{
    /// <summary>One broken rule: the JSON path of the field and what is wrong with it.</summary>
    public sealed record Problem(string Path, string Message);

    public static IReadOnlyList<Problem> Check(JsonObject? rules, JsonNode? body)
    {
        if (rules is null || rules.Count == 0) return [];
        var problems = new List<Problem>();
        foreach (var (field, expected) in rules)
        {
            var path = "$." + field;
            var actual = body is JsonObject ? JsonValues.GetPath(body, field) : null;
            if (actual is null || JsonValues.IsNull(actual))
            {
                problems.Add(new(path, "required"));
                continue;
            }
            if (actual is JsonObject or JsonArray)
            {
                problems.Add(new(path, "must be a string or a number"));
                continue;
            }
            var text = JsonValues.ToText(actual).Trim();
            if (expected is JsonArray allowed)
            {
                var choices = allowed.Select(JsonValues.ToText).ToList();
                if (!choices.Any(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase)))
                    problems.Add(new(path, $"'{Shorten(text)}' is not one of {string.Join(", ", choices)}"));
            }
            else if (!string.Equals(JsonValues.ToText(expected), text, StringComparison.Ordinal))
            {
                problems.Add(new(path, $"'{Shorten(text)}' does not match this callback's {field}"));
            }
        }
        return problems;
    }

    // A refused value is echoed to the caller and the log; a long one is cut.
    private static string Shorten(string text) => text.Length <= 80 ? text : text[..80] + "…";
}
