using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace FlowConnectors.Scheduling.Tests;

public sealed class TriggerActivityTests
{
    internal static FlowEngine Engine(TimeProvider? clock = null) => new(new FlowEngineOptions
    {
        Registry = ActivityRegistry.CreateDefault().AddAssembly(typeof(ScheduleTriggers).Assembly),
        Clock = clock ?? TimeProvider.System,
    });

    private const string NightlyFlow = """
    { "format": 1, "id": "nightly", "outputs": [ { "name": "firedAt", "type": "string" }, { "name": "nextAt", "type": "string" } ],
      "nodes": [ { "id": "nightly", "type": "Schedule.DailyAt", "inputs": { "time": "23:00", "timeZone": "Europe/Berlin" } },
                 { "id": "fired", "type": "SetOutput", "inputs": { "name": "firedAt", "value": { "js": "nodes.nightly.firedAt" } } },
                 { "id": "next", "type": "SetOutput", "inputs": { "name": "nextAt", "value": { "js": "nodes.nightly.nextAt" } } } ],
      "connections": [ { "from": "nightly:done", "to": "fired" }, { "from": "fired:done", "to": "next" } ] }
    """;

    [Fact]
    public async Task A_daily_trigger_started_by_its_timer_outputs_when_it_fired_and_continues_on_done()
    {
        var engine = Engine();
        var flow = engine.Compile(FlowJson.Parse(NightlyFlow));
        var timer = new TimerRecord("t", DateTimeOffset.Parse("2026-07-01T21:00:00Z"), TimerKinds.Trigger, null, null, "nightly", null);
        var run = await engine.RunAsync(flow, null, new RunOptions { Properties = ScheduleTriggers.RunProperties(timer) });
        run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["firedAt"]!.GetValue<string>().ShouldBe("2026-07-01T21:00:00Z");
        run.Outputs["nextAt"]!.GetValue<string>().ShouldBe("2026-07-02T21:00:00Z");
    }

    [Fact]
    public async Task Without_a_fired_at_property_the_trigger_uses_the_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T08:00:00Z"));
        var engine = Engine(clock);
        var run = await engine.RunJsonAsync("""
        { "format": 1, "id": "every", "outputs": [ { "name": "at", "type": "string" } ],
          "nodes": [ { "id": "tick", "type": "Schedule.Timer", "inputs": { "every": "00:05:00" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "at", "value": { "js": "nodes.tick.firedAt + '|' + nodes.tick.nextAt" } } } ],
          "connections": [ { "from": "tick:done", "to": "out" } ] }
        """);
        run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["at"]!.GetValue<string>().ShouldBe("2026-01-05T08:00:00Z|2026-01-05T08:05:00Z");
    }

    [Fact]
    public async Task A_cron_trigger_runs_in_a_flow_with_the_default_UTC_zone()
    {
        var engine = Engine(new FakeTimeProvider(DateTimeOffset.Parse("2026-01-05T08:00:00Z")));
        var run = await engine.RunJsonAsync("""
        { "format": 1, "id": "c", "outputs": [ { "name": "next", "type": "string" } ],
          "nodes": [ { "id": "cron", "type": "Schedule.Cron", "inputs": { "expression": "0 9 * * MON-FRI" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "next", "value": { "js": "nodes.cron.nextAt" } } } ],
          "connections": [ { "from": "cron:done", "to": "out" } ] }
        """);
        run.Status.ShouldBe(FlowStatus.Finished, run.Fault?.ToString());
        run.Outputs["next"]!.GetValue<string>().ShouldBe("2026-01-05T09:00:00Z");
    }

    [Fact]
    public void The_trigger_activities_are_in_the_schedule_category_of_the_palette()
    {
        var registry = ActivityRegistry.CreateDefault().AddAssembly(typeof(ScheduleTriggers).Assembly);
        registry.Descriptors.Where(d => d.Category == "Schedule").Select(d => d.Type)
            .ShouldBe(["Schedule.Cron", "Schedule.DailyAt", "Schedule.Timer"]);
        var daily = registry.Find("Schedule.DailyAt")!;
        daily.FindInput("timeZone")!.Default!.GetValue<string>().ShouldBe("UTC");
        daily.Outputs.Select(o => o.Name).ShouldBe(["firedAt", "nextAt"], ignoreOrder: true);
        daily.Outcomes.ShouldBe(["done", "fault"]);
    }

    [Fact]
    public void Validation_reports_invalid_literal_expressions_zones_and_times_at_their_input()
    {
        var problems = Engine().Validate(FlowJson.Parse("""
        { "format": 1, "id": "bad",
          "nodes": [ { "id": "cron", "type": "Schedule.Cron", "inputs": { "expression": "0 25 * * *", "timeZone": "Mars/Olympus" } },
                     { "id": "daily", "type": "Schedule.DailyAt", "inputs": { "time": "25:00" } },
                     { "id": "tick", "type": "Schedule.Timer", "inputs": { "every": "-00:01:00" } } ],
          "connections": [] }
        """));
        var errors = problems.Where(p => p.IsError).ToDictionary(p => p.Path, p => p.Message);
        errors["$.nodes[0].inputs.expression"].ShouldStartWith("'0 25 * * *' is not a valid cron expression");
        errors["$.nodes[0].inputs.timeZone"].ShouldBe("unknown time zone 'Mars/Olympus'; use an IANA id such as 'Europe/Berlin' or 'UTC'");
        errors["$.nodes[1].inputs.time"].ShouldBe("'25:00' is not a time of day; use 24-hour 'HH:mm' such as '23:00'");
        errors["$.nodes[2].inputs.every"].ShouldContain("must be positive");
        problems.Where(p => p.IsError).ShouldAllBe(p => p.Code == "INVALID_SCHEDULE");
    }

    [Fact]
    public void Validation_warns_when_a_schedule_input_is_an_expression()
    {
        var problems = Engine().Validate(FlowJson.Parse("""
        { "format": 1, "id": "dyn", "nodes": [ { "id": "cron", "type": "Schedule.Cron", "inputs": { "expression": { "js": "'0 * * * *'" } } } ], "connections": [] }
        """));
        var warning = problems.Single();
        warning.IsError.ShouldBeFalse();
        warning.Code.ShouldBe("SCHEDULE_NOT_LITERAL");
        warning.Path.ShouldBe("$.nodes[0].inputs.expression");
    }

    [Fact]
    public void Describe_returns_the_schedule_of_each_trigger_at_the_start()
    {
        var described = ScheduleTriggers.Describe(FlowJson.Parse(NightlyFlow));
        described.Problems.ShouldBeEmpty();
        var trigger = described.Triggers.Single();
        trigger.NodeId.ShouldBe("nightly");
        trigger.Spec.ToJson().ToJsonString().ShouldBe("""{"kind":"dailyAt","time":"23:00","timeZone":"Europe/Berlin"}""");
        trigger.Schedule.NextAfter(DateTimeOffset.Parse("2026-01-10T00:00:00Z")).ShouldBe(DateTimeOffset.Parse("2026-01-10T22:00:00Z"));
    }

    [Fact]
    public void Describe_reports_expressions_invalid_values_and_triggers_that_are_not_at_the_start()
    {
        var described = ScheduleTriggers.Describe(FlowJson.Parse("""
        { "format": 1, "id": "mixed",
          "nodes": [ { "id": "a", "type": "Schedule.Cron", "inputs": { "expression": { "js": "'0 * * * *'" } } },
                     { "id": "b", "type": "Schedule.DailyAt", "inputs": { "time": "23:00", "timeZone": "Nowhere/City" } },
                     { "id": "c", "type": "Schedule.Timer", "inputs": { "every": { "literal": "00:10:00" } } },
                     { "id": "d", "type": "Schedule.Timer", "inputs": { "every": 60000 } },
                     { "id": "log", "type": "Log", "inputs": { "message": "x" } } ],
          "connections": [ { "from": "c:done", "to": "log" }, { "from": "log:done", "to": "d" } ] }
        """));
        described.Triggers.Select(t => t.NodeId).ShouldBe(["c"]);
        described.Triggers[0].Spec.Every.ShouldBe(TimeSpan.FromMinutes(10));
        var byNode = described.Problems.ToDictionary(p => p.NodeId!);
        byNode["a"].Code.ShouldBe("SCHEDULE_NOT_LITERAL");
        byNode["a"].Path.ShouldBe("$.nodes[0].inputs.expression");
        byNode["b"].Code.ShouldBe("INVALID_SCHEDULE");
        byNode["b"].Path.ShouldBe("$.nodes[1].inputs.timeZone");
        byNode["b"].Message.ShouldContain("unknown time zone 'Nowhere/City'");
        byNode["d"].Code.ShouldBe("TRIGGER_NOT_AT_START");
        described.HasErrors.ShouldBeTrue();
    }

    [Fact]
    public void A_trigger_timer_carries_its_schedule_spec_and_first_occurrence()
    {
        var spec = ScheduleSpec.ForDailyAt(new TimeOnly(23, 0), "Europe/Berlin");
        var timer = ScheduleTriggers.CreateTimer("nightly-trigger", spec, DateTimeOffset.Parse("2026-07-01T12:00:00Z"))!;
        timer.Kind.ShouldBe("trigger");
        timer.TriggerId.ShouldBe("nightly-trigger");
        timer.DueAt.ShouldBe(DateTimeOffset.Parse("2026-07-01T21:00:00Z"));
        ScheduleSpec.Parse(timer.Data!.AsObject()).Kind.ShouldBe("dailyAt");
    }
}
