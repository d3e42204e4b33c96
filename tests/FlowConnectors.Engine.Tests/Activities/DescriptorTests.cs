using FlowConnectors.Engine.Activities;
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
