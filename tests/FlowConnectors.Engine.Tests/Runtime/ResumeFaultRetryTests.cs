using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// README "Retry and repair": a node that faulted while resuming from a stimulus is retried with that stimulus again,
/// not run from its start (which would wait again for a stimulus that already came).
/// </summary>
public sealed class ResumeFaultRetryTests
{
    /// <summary>Waits for an event, then hands its payload to a vendor that can be down: what a connector card that waits does.</summary>
    [Activity("Test.WaitThenDeliver", Category = "Test")]
    [WaitsFor(typeof(Stimuli.EventStimulus))]
    internal sealed class WaitThenDeliver : Activity
    {
        public static volatile bool VendorDown;
        public static int Waits;

        [Output] public JsonNode? Delivered { get; private set; }

        protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            Interlocked.Increment(ref Waits);
            context.CreateBookmark(new Stimuli.EventStimulus("order", null));
            return ValueTask.FromResult(ActivityResult.Suspend);
        }

        protected internal override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
        {
            if (VendorDown) throw new ActivityFaultException("the vendor is down");
            Delivered = payload?.DeepClone();
            return ActivityResult.DoneTask;
        }
    }

    private const string Flow = """
        { "format": 1, "id": "wait-deliver", "outputs": [ { "name": "delivered", "type": "any" } ],
          "nodes": [ { "id": "deliver", "type": "Test.WaitThenDeliver" },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "delivered", "value": { "js": "nodes.deliver.delivered" } } } ],
          "connections": [ { "from": "deliver:done", "to": "out" } ] }
        """;

    [Fact]
    public async Task A_retry_of_a_node_that_faulted_after_its_resume_delivers_the_stored_stimulus_again_instead_of_waiting()
    {
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ActivityRegistry.CreateDefault().Add<WaitThenDeliver>() });
        var flow = engine.Compile(FlowJson.Parse(Flow));
        var waiting = await engine.RunAsync(flow);
        waiting.Status.ShouldBe(FlowStatus.Suspended);
        var waitsBefore = WaitThenDeliver.Waits;

        WaitThenDeliver.VendorDown = true;
        var state = FlowInstanceState.FromJson(waiting.State.ToJson());
        var faulted = await engine.ResumeAsync(flow, state, state.Bookmarks.Single().Id, new JsonObject { ["order"] = 42 });
        faulted.Status.ShouldBe(FlowStatus.Faulted);
        faulted.State.Retry.ShouldNotBeNull().Resumed.ShouldNotBeNull();

        // Stored and read back, as a retry through the API does; the vendor is back.
        WaitThenDeliver.VendorDown = false;
        var stored = FlowInstanceState.FromJson(faulted.State.ToJson());
        var plan = InstanceRetry.Apply(stored, flow, flow, null, new EmptyServices());
        plan[0].NodeId.ShouldBe("deliver");
        plan[0].Reason.ShouldBe("redelivered");
        var retried = await engine.ContinueAsync(flow, FlowInstanceState.FromJson(stored.ToJson()));

        retried.Status.ShouldBe(FlowStatus.Finished, retried.Fault?.ToString());
        retried.Outputs["delivered"]!.ToJsonString().ShouldBe("""{"order":42}""");
        WaitThenDeliver.Waits.ShouldBe(waitsBefore);
    }

    private sealed class FakeClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;
        public override DateTimeOffset GetUtcNow() => Now;
    }

    [Fact]
    public async Task An_onError_retry_on_a_durable_timer_of_a_node_that_faulted_after_its_resume_delivers_the_stimulus_again_instead_of_waiting()
    {
        var clock = new FakeClock(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));
        var engine = new FlowEngine(new FlowEngineOptions
        {
            Registry = ActivityRegistry.CreateDefault().Add<WaitThenDeliver>(), Clock = clock, RetryInProcessLimit = TimeSpan.FromSeconds(5),
        });
        var flow = engine.Compile(FlowJson.Parse(Flow.Replace("""{ "id": "deliver", "type": "Test.WaitThenDeliver" }""",
            """{ "id": "deliver", "type": "Test.WaitThenDeliver", "onError": { "retries": 2, "delayMs": 60000 } }""", StringComparison.Ordinal)));
        var waiting = await engine.RunAsync(flow);
        waiting.Status.ShouldBe(FlowStatus.Suspended);
        var waitsBefore = WaitThenDeliver.Waits;

        // The event comes, the vendor is down: the policy waits 60 s on a durable timer (the instance is stored meanwhile).
        WaitThenDeliver.VendorDown = true;
        var state = FlowInstanceState.FromJson(waiting.State.ToJson());
        var retrying = await engine.ResumeAsync(flow, state, state.Bookmarks.Single().Id, new JsonObject { ["order"] = 42 });
        retrying.Status.ShouldBe(FlowStatus.Suspended, retrying.Fault?.ToString());
        retrying.Journal.Single(e => e.NodeId == "deliver").Outcome.ShouldBe("retry");
        var timer = retrying.Bookmarks.ShouldHaveSingleItem();
        timer.Name.ShouldBe("delay");

        // Still down at the first timer: the stimulus is kept for the next attempt too.
        clock.Now = clock.Now.AddMinutes(1);
        state = FlowInstanceState.FromJson(retrying.State.ToJson());
        var again = await engine.ResumeAsync(flow, state, timer.Id, null);
        again.Status.ShouldBe(FlowStatus.Suspended, again.Fault?.ToString());
        again.Journal.Single(e => e.NodeId == "deliver").Outcome.ShouldBe("retry");
        timer = again.Bookmarks.ShouldHaveSingleItem();
        timer.Name.ShouldBe("delay");

        // The vendor is back when the second timer fires: the node gets the event it already had, it does not wait anew.
        WaitThenDeliver.VendorDown = false;
        clock.Now = clock.Now.AddMinutes(2);
        state = FlowInstanceState.FromJson(again.State.ToJson());
        var done = await engine.ResumeAsync(flow, state, timer.Id, null);

        done.Status.ShouldBe(FlowStatus.Finished, done.Fault?.ToString());
        done.Outputs["delivered"]!.ToJsonString().ShouldBe("""{"order":42}""");
        WaitThenDeliver.Waits.ShouldBe(waitsBefore);
        done.Journal.Select(e => e.NodeId).ShouldBe(["deliver", "out"]);
        done.State.NodeStates.Keys.ShouldNotContain(k => k.StartsWith("#retry:", StringComparison.Ordinal));
    }

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
