using BenchmarkDotNet.Running;
using FlowConnectors.Benchmarks;

// No arguments runs every benchmark; otherwise the usual BenchmarkDotNet switches apply
// (e.g. --filter '*' or --filter '*ForkJoin*').
if (args.Length == 0) args = ["--filter", "*"];
// --cpu [calls] [rounds] [row]: the connector rows by process CPU time per call, not wall time (see CpuPerCall).
if (args[0] == "--cpu")
{
    await CpuPerCall.RunAsync(args);
    return;
}

await StateSerializationBenchmarks.PrintStateSizeAsync();
BenchmarkSwitcher.FromAssembly(typeof(Flows).Assembly).Run(args);
