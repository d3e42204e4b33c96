using System.Text.Json;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// Round trip of a suspended instance holding 100 node outputs (100 RunJavaScript nodes, then a
/// WaitForEvent), against System.Text.Json on a plain dictionary holding the same 100 outputs.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class StateSerializationBenchmarks
{
    private const int Outputs = 100;

    private FlowInstanceState _state = null!;
    private Dictionary<string, JsonNode> _plain = null!;

    [GlobalSetup]
    public void Setup() => (_state, _plain) = BuildAsync().GetAwaiter().GetResult();

    [Benchmark(Baseline = true, Description = "STJ Dictionary<string,JsonNode> string round trip")]
    public Dictionary<string, JsonNode>? PlainDictionary() =>
        JsonSerializer.Deserialize<Dictionary<string, JsonNode>>(JsonSerializer.Serialize(_plain));

    [Benchmark(Description = "FromJson(ToJson()) string")]
    public FlowInstanceState StateString() => FlowInstanceState.FromJson(_state.ToJson());

    [Benchmark(Description = "FromJson(ToUtf8Json()) UTF-8")]
    public FlowInstanceState StateUtf8() => FlowInstanceState.FromJson(_state.ToUtf8Json());

    private static async Task<(FlowInstanceState State, Dictionary<string, JsonNode> Plain)> BuildAsync()
    {
        var engine = new FlowEngine();
        var flow = engine.Compile(Flows.OutputsThenWait(Outputs));
        var run = await engine.RunAsync(flow);
        if (run.Status != FlowStatus.Suspended || run.State.NodeOutputs.Keys.Count(k => k.StartsWith("js", StringComparison.Ordinal)) != Outputs || run.State.Bookmarks.Count != 1)
            throw new InvalidOperationException($"expected a suspended instance with {Outputs} outputs, got {run.Status} with {run.State.NodeOutputs.Count}: {run.Fault}");
        var plain = new Dictionary<string, JsonNode>(StringComparer.Ordinal);
        foreach (var (nodeId, outputs) in run.State.NodeOutputs)
        {
            if (!nodeId.StartsWith("js", StringComparison.Ordinal)) continue; // the waiting node's (empty) output

            var obj = new JsonObject();
            foreach (var (name, value) in outputs) obj[name] = value?.DeepClone();
            plain[nodeId] = obj;
        }
        var back = FlowInstanceState.FromJson(run.State.ToJson());
        if (back.NodeOutputs.Count != run.State.NodeOutputs.Count || back.Bookmarks.Count != 1)
            throw new InvalidOperationException("the state did not survive a round trip");
        return (run.State, plain);
    }

    /// <summary>Printed once before the suite: how big the measured documents are.</summary>
    public static async Task PrintStateSizeAsync()
    {
        var (state, plain) = await BuildAsync();
        Console.WriteLine($"[state size] suspended instance with {Outputs} node outputs: ToJson {state.ToJson().Length:N0} chars, " +
                          $"ToUtf8Json {state.ToUtf8Json().Length:N0} bytes; plain dictionary {JsonSerializer.SerializeToUtf8Bytes(plain).Length:N0} bytes");
    }
}
