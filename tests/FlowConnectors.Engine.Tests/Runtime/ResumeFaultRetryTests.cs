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

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
