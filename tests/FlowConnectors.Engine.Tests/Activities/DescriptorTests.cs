using FlowConnectors.Engine.Activities;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities.Control;

namespace FlowConnectors.Engine.Tests.Activities;

public sealed class DescriptorTests
{
    [Fact]
    public void The_descriptor_is_derived_from_the_activity_class()
    {
        var log = ActivityRegistry.CreateDefault().Find("Log")!;
        log.Category.ShouldBe("Control");
        log.Inputs.Select(i => (i.Name, i.Type, i.Required)).ShouldBe([("message", "string", true), ("level", "string", false)]);
        log.FindInput("level")!.Options.ShouldBe(["debug", "info", "warning", "error"]);
        log.FindInput("level")!.Default!.GetValue<string>().ShouldBe("info");
        log.Outcomes.ShouldBe(["done", "fault"]);
    }

    [Fact]
    public void Registries_share_each_class_binding_but_keep_their_own_activities_and_stimuli()
    {
        var all = ActivityRegistry.CreateDefault();
        var few = new ActivityRegistry().Add<Log>().Add<FlowConnectors.Engine.Activities.Events.WaitForEvent>();

        few.FindType("Log").ShouldBeSameAs(all.FindType("Log"), "a class is bound once per process");
        few.Find("If").ShouldBeNull();
        all.Find("If").ShouldNotBeNull();
        Bookmark Waiting(string name, JsonNode payload) => new() { Id = "b", NodeId = "n", ScopeId = 0, Name = name, Payload = payload, Hash = "h" };
        few.DescribeWait(Waiting("event", new JsonObject { ["event"] = "approval", ["correlationId"] = "r-1" }))
            .ShouldBe("event 'approval' with correlation id 'r-1'");
        few.ReadStimulus(Waiting("delay", new JsonObject { ["resumeAt"] = "2026-12-05T00:00:00Z" })).ShouldBeNull("no activity of this registry waits for a timer");
        all.ReadStimulus(Waiting("delay", new JsonObject { ["resumeAt"] = "2026-12-05T00:00:00Z" })).ShouldNotBeNull();
    }

    [Fact]
    public void Loop_activities_name_their_body_outcome()
    {
        var forEach = ActivityRegistry.CreateDefault().Find("ForEach")!;
        forEach.Outcomes.ShouldBe(["iterate", "done", "fault"]);
        forEach.LoopBodyOutcome.ShouldBe("iterate");
        forEach.Outputs.Select(o => o.Name).ShouldBe(["currentItem", "currentIndex", "count"]);
    }

    [Fact]
    public async Task One_activity_runs_alone_in_one_line()
    {
        var result = await ActivityRunner.RunAsync<If>(new() { ["condition"] = "yes" });
        result.Outcome.ShouldBe("true");
    }

    [Fact]
    public void Every_registered_activity_has_a_description_and_a_category()
    {
        foreach (var descriptor in ActivityRegistry.CreateDefault().Descriptors)
        {
            descriptor.Description.ShouldNotBeNullOrWhiteSpace(descriptor.Type);
            descriptor.Category.ShouldNotBe("General", descriptor.Type);
        }
    }
}
