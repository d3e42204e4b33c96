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
        if (take is { } count && (count < 1 || count > maxTake)) return Refuse("take", $"must be from 1 to {maxTake}", count);
        return null;
    }

    private static ProblemHttpResult Refuse(string name, string rule, int value) =>
        Problems.Validation($"query parameter '{name}' {rule}, not {value}", [new { path = name, message = $"{rule}, not {value}" }]);
}
