using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Engine.Tests.Functions;

/// <summary>Shorthands for function-card tests.</summary>
internal static class FunctionTestKit
{
    /// <summary>An input evaluated at run time, so a bad value reaches the activity instead of the validator.</summary>
    public static JsonObject Js(string expression) => new() { ["js"] = expression };

    public static ActivityRunResult ShouldBeDone(this ActivityRunResult result, string outcome = "done")
    {
        result.Run.Status.ShouldBe(FlowStatus.Finished, result.Run.Fault?.Message);
        result.Outcome.ShouldBe(outcome);
        return result;
    }

    /// <summary>Asserts the node faulted and its message contains every given part.</summary>
    public static void ShouldFaultWith(this ActivityRunResult result, params string[] parts)
    {
        result.Run.Status.ShouldBe(FlowStatus.Faulted);
        var message = result.Run.Fault!.Message;
        foreach (var part in parts) message.ShouldContain(part, Case.Sensitive);
    }

    public static string Text(this ActivityRunResult result, string output = "result") => result.Output(output)!.GetValue<string>();

    /// <summary>A number output; whole numbers are stored as integers, so read through the engine's helper.</summary>
    public static double Number(this ActivityRunResult result, string output = "result")
    {
        FlowConnectors.Engine.Values.JsonValues.TryGetNumber(result.Output(output), out var number).ShouldBeTrue($"output '{output}' is not a number");
        return number;
    }

    public static string Json(this ActivityRunResult result, string output = "result") => result.Output(output)?.ToJsonString() ?? "null";
}

/// <summary>A clock that always says the same time, in a machine-independent local zone.</summary>
internal sealed class FakeClock(DateTimeOffset now) : TimeProvider
{
    public override DateTimeOffset GetUtcNow() => now.ToUniversalTime();
    public override TimeZoneInfo LocalTimeZone => TimeZoneInfo.Utc;
}
