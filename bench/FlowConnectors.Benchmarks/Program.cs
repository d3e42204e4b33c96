using BenchmarkDotNet.Running;
using FlowConnectors.Benchmarks;

// No arguments runs every benchmark; otherwise the usual BenchmarkDotNet switches apply
// (e.g. --filter '*' or --filter '*ForkJoin*').
if (args.Length == 0) args = ["--filter", "*"];

await StateSerializationBenchmarks.PrintStateSizeAsync();
BenchmarkSwitcher.FromAssembly(typeof(Flows).Assembly).Run(args);
