using BenchmarkDotNet.Attributes;
using Perfolizer.Horology;
using BenchmarkDotNet.Jobs;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// The one job every benchmark uses: one launch, 10 warm-up and 15 measured iterations of about
/// 250 ms. ShortRun's 3 warm-ups were too few here: tiered JIT and dynamic PGO were still
/// recompiling the engine's hot paths when measurement began (3x spread between iterations).
/// The whole suite (15 benchmarks) runs in about 3-4 minutes on 2 cores.
/// </summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Assembly)]
public sealed class BenchJobAttribute() : JobConfigBaseAttribute(Job.Default
    .WithId("Bench")
    .WithLaunchCount(1)
    .WithWarmupCount(10)
    .WithIterationCount(15)
    .WithIterationTime(TimeInterval.FromMilliseconds(250)));
