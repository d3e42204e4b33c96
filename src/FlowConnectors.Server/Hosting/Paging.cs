using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A list's <c>skip</c> and <c>take</c> query parameters, checked alike by every list endpoint: a value out of range is
/// refused with the parameter named, not clamped to one the client did not ask for.
/// </summary>
internal static class Paging
{
    /// <summary>The 422 for a negative <paramref name="skip"/> or a <paramref name="take"/> outside 1..<paramref name="maxTake"/>; null when both are fine (or not given).</summary>
    public static ProblemHttpResult? Refusal(int? skip, int? take, int maxTake)
    {
        if (skip is < 0) return Refuse("skip", "must be 0 or more", skip.Value);
        return CountRefusal("take", take, maxTake);
    }

    /// <summary>The 422 for a count parameter <paramref name="name"/> outside 1..<paramref name="max"/>; null when it is fine (or not given).</summary>
    public static ProblemHttpResult? CountRefusal(string name, int? count, int max) =>
        count is { } value && (value < 1 || value > max) ? Refuse(name, $"must be from 1 to {max}", value) : null;

    private static ProblemHttpResult Refuse(string name, string rule, int value) =>
        Problems.Validation($"query parameter '{name}' {rule}, not {value}", [new { path = name, message = $"{rule}, not {value}" }]);
}
