using BenchmarkDotNet.Attributes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// Per-node overhead of the scheduler: a 10,000-node linear chain of NoOp nodes, compiled once.
/// OperationsPerInvoke makes every figure per node. The baseline is 10,000 virtual calls to a
/// no-op method returning a completed ValueTask: the floor of "call an activity", not a goal.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class NodeOverheadBenchmarks
{
    private const int Nodes = 10_000;

    private FlowEngine _journalOn = null!;
    private FlowEngine _journalOff = null!;
    private CompiledFlow _flowOn = null!;
    private CompiledFlow _flowOff = null!;
    private NoOpStep[] _steps = null!;

    [GlobalSetup]
    public void Setup()
    {
        _journalOn = new FlowEngine();
        _journalOff = new FlowEngine(new FlowEngineOptions { Journal = false });
        var definition = Flows.LinearNoOpChain(Nodes);
        _flowOn = _journalOn.Compile(definition);
        _flowOff = _journalOff.Compile(definition);
        var check = Flows.RunChecked(_journalOn, _flowOn, FlowStatus.Finished);
        if (check.Journal.Count != Nodes || check.State.Steps != Nodes)
            throw new InvalidOperationException($"expected {Nodes} steps, got {check.State.Steps} (journal {check.Journal.Count})");
        Flows.RunChecked(_journalOff, _flowOff, FlowStatus.Finished);
        _steps = new NoOpStep[Nodes];
        for (var i = 0; i < Nodes; i++) _steps[i] = i % 2 == 0 ? new NoOpStep() : new OtherNoOpStep();
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Nodes, Description = "10k virtual no-op calls (floor)")]
    public int VirtualCalls()
    {
        var done = 0;
        foreach (var step in _steps)
            if (step.ExecuteAsync().IsCompletedSuccessfully) done++;
        return done;
    }

    [Benchmark(OperationsPerInvoke = Nodes, Description = "10k NoOp chain, journal on")]
    public Task<FlowRunResult> ChainJournalOn() => _journalOn.RunAsync(_flowOn);

    [Benchmark(OperationsPerInvoke = Nodes, Description = "10k NoOp chain, journal off")]
    public Task<FlowRunResult> ChainJournalOff() => _journalOff.RunAsync(_flowOff);

    // Two subclasses so the call site stays polymorphic (the JIT cannot devirtualise it away).
    public class NoOpStep
    {
        public virtual ValueTask<int> ExecuteAsync() => ValueTask.FromResult(0);
    }

    public sealed class OtherNoOpStep : NoOpStep
    {
        public override ValueTask<int> ExecuteAsync() => ValueTask.FromResult(1);
    }
}
