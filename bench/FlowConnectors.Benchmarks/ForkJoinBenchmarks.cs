using BenchmarkDotNet.Attributes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// Fork → 1,000 NoOp branches → Join (all) → SetOutput, against a 1,001-node linear NoOp chain
/// (the fork plus its 1,000 branches), so the ratio shows what the fan-out and the join add.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class ForkJoinBenchmarks
{
    private const int Branches = 1_000;

    private FlowEngine _engine = null!;
    private CompiledFlow _chain = null!;
    private CompiledFlow _forkJoin = null!;

    [GlobalSetup]
    public void Setup()
    {
        _engine = new FlowEngine();
        _chain = _engine.Compile(Flows.LinearNoOpChain(Branches + 1));
        _forkJoin = _engine.Compile(Flows.ForkJoin(Branches));
        Flows.RunChecked(_engine, _chain, FlowStatus.Finished);
        var run = Flows.RunChecked(_engine, _forkJoin, FlowStatus.Finished);
        if (run.Journal.Count(j => j.NodeId == "out") != 1 || run.Outputs["count"]!.GetValue<long>() != Branches)
            throw new InvalidOperationException("the join did not fire exactly once after every branch");
    }

    [Benchmark(Baseline = true, Description = "1,001-node NoOp chain")]
    public Task<FlowRunResult> LinearChain() => _engine.RunAsync(_chain);

    [Benchmark(Description = "fork 1,000 → join(all) → SetOutput")]
    public Task<FlowRunResult> ForkJoin() => _engine.RunAsync(_forkJoin);
}
