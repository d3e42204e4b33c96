using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>A run's wall-clock budget, its cancellation, its step limit and the size of its journal.</summary>
public sealed class RunBudgetTests
{
    // Generous script limits: only the run's budget or its cancellation can stop these.
    private static readonly ScriptLimits Unbounded = new() { Timeout = TimeSpan.FromMinutes(5), MaxStatements = int.MaxValue, TemplateLoopLimit = 0 };

    private const string SpinningScript = """
        { "format": 1, "id": "hog",
          "nodes": [ { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "for (;;) {}" } } ], "connections": [] }
        """;

    private const string SpinningTemplate = """
        { "format": 1, "id": "hog",
          "nodes": [ { "id": "render", "type": "Template", "inputs": { "template": "{{ while true }}{{ x = \"ab\" | string.replace \"a\" \"b\" }}{{ end }}" } } ],
          "connections": [] }
        """;

    // A backtracking regex over 20 a's and a b: each test() takes milliseconds, so the loop spins until the run's time limit
    // stops it between two of them. With 24 a's one test() took minutes at a load average of 35 (a regex cannot be
    // interrupted; only ScriptLimits.Timeout, five minutes here, bounds it), and the case waited for it to end.
    private const string SpinningRegex = """
        { "format": 1, "id": "hog",
          "nodes": [ { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "const s = 'aaaaaaaaaaaaaaaaaaaab'; for (;;) /^(a+)+$/.test(s);" } } ], "connections": [] }
        """;

    [Theory]
    [InlineData(SpinningScript, "node 'spin' (RunJavaScript): the run exceeded its time limit of 300 ms")]
    [InlineData(SpinningTemplate, "node 'render' (Template): the run exceeded its time limit of 300 ms")]
    [InlineData(SpinningRegex, "node 'spin' (RunJavaScript): the run exceeded its time limit of 300 ms")]
    public async Task A_cpu_bound_node_is_stopped_by_the_runs_time_limit_and_the_fault_names_it(string flow, string expected)
    {
        var result = await Flow.RunAsync(flow, options: new FlowEngineOptions { ScriptLimits = Unbounded, RunTimeout = TimeSpan.FromMilliseconds(300) });

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.ToString().ShouldBe(expected);
    }

    [Theory]
    [InlineData(SpinningScript, "spin")]
    [InlineData(SpinningTemplate, "render")]
    public async Task Cancelling_a_run_stops_a_cpu_bound_node_and_the_run_ends_cancelled_naming_it(string json, string nodeId)
    {
        var engine = Flow.Engine(new FlowEngineOptions { ScriptLimits = Unbounded });
        var flow = engine.Compile(FlowJson.Parse(json));
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        var result = await engine.RunAsync(flow, cancellationToken: cancellation.Token);

        result.Status.ShouldBe(FlowStatus.Cancelled);
        result.Fault!.NodeId.ShouldBe(nodeId);
        result.Fault.Message.ShouldBe("the flow was cancelled");
    }

    [Fact]
    public async Task A_time_limit_given_to_one_run_overrides_the_engines()
    {
        var engine = Flow.Engine(new FlowEngineOptions { ScriptLimits = Unbounded, RunTimeout = TimeSpan.FromHours(1) });
        var flow = engine.Compile(FlowJson.Parse(SpinningScript));

        var started = await engine.RunAsync(flow, null, new RunOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        var state = engine.CreateInstance(flow, null);
        var continued = await engine.ContinueAsync(flow, state, timeout: TimeSpan.FromSeconds(1.5));

        started.Fault!.Message.ShouldBe("the run exceeded its time limit of 200 ms");
        continued.Fault!.Message.ShouldBe("the run exceeded its time limit of 1.5 s");
    }

    [Fact]
    public async Task A_self_loop_stops_at_the_default_step_limit_and_keeps_a_capped_journal_with_a_summary()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "self", "start": "again", "nodes": [ { "id": "again", "type": "NoOp" } ], "connections": [ { "from": "again:done", "to": "again" } ] }
        """);

        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault!.ToString().ShouldBe("node 'again' (NoOp): the flow exceeded its limit of 100,000 steps; it may loop without an exit");
        result.Journal.Count.ShouldBe(10_001);
        var summary = result.Journal[^1];
        summary.NodeId.ShouldBe("journal");
        summary.Outcome.ShouldBe("dropped");
        summary.Outputs!["dropped"]!.GetValue<int>().ShouldBe(90_000);
        summary.Outputs["summary"]!.GetValue<string>().ShouldBe("90,000 more journal entries were not kept (maxJournalEntries 10,000)");
    }

    [Fact]
    public async Task The_entry_of_the_node_that_faults_the_flow_is_kept_past_the_journal_limit()
    {
        var result = await Flow.RunAsync("""
        { "format": 1, "id": "loop",
          "nodes": [ { "id": "loop", "type": "ForEach", "inputs": { "items": [1, 2, 3, 4, 5] } },
                     { "id": "step", "type": "NoOp" },
                     { "id": "boom", "type": "Fail", "inputs": { "message": "after the loop" } } ],
          "connections": [ { "from": "loop:iterate", "to": "step" }, { "from": "loop:done", "to": "boom" } ] }
        """, options: new FlowEngineOptions { MaxJournalEntries = 3 });

        result.Journal.Select(e => e.NodeId).ShouldBe(["loop", "step", "loop", "boom", "journal"]);
        result.Journal[3].Error.ShouldBe("after the loop");
        result.Journal[4].Outputs!["dropped"]!.GetValue<int>().ShouldBe(8);
    }
}
