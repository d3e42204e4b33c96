using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// A prepared JavaScript expression evaluated on an already-warm script host, against a C# delegate doing the same
/// arithmetic on the same JsonObject; plus a whole one-node flow using it. The engine's expression host is internal, so
/// the warm evaluation is measured through the public engine: per node of a chain of SetOutputs with the expression
/// (one host for the run, the script prepared once), next to the same chain with a literal value; the difference is
/// the expression.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class ExpressionBenchmarks
{
    private const string Expression = "input.price * input.quantity + (input.discount || 0)";

    private static readonly Func<JsonObject, double> CSharp = input =>
        input["price"]!.GetValue<double>() * input["quantity"]!.GetValue<double>() +
        (input["discount"] is { } discount ? discount.GetValue<double>() : 0);

    private const int ChainNodes = 1_000;

    private JsonObject _input = null!;
    private FlowEngine _engine = null!;
    private CompiledFlow _flow = null!;
    private FlowEngine _chainEngine = null!;
    private CompiledFlow _jsChain = null!;
    private CompiledFlow _literalChain = null!;

    [GlobalSetup]
    public void Setup()
    {
        _input = new JsonObject { ["price"] = 19.99, ["quantity"] = 3.0, ["discount"] = 2.5 };
        var expected = CSharp(_input);

        _engine = new FlowEngine();
        _flow = _engine.Compile(Flows.SetOutputFromJs(Expression));
        var run = Flows.RunChecked(_engine, _flow, FlowStatus.Finished, _input);
        if (Math.Abs(run.Outputs["total"]!.GetValue<double>() - expected) > 1e-9)
            throw new InvalidOperationException($"the flow gave {run.Outputs["total"]}, expected {expected}");

        _chainEngine = new FlowEngine(new FlowEngineOptions { Journal = false });
        _jsChain = _chainEngine.Compile(Flows.SetOutputChain(ChainNodes, () => new JsonObject { ["js"] = Expression }));
        _literalChain = _chainEngine.Compile(Flows.SetOutputChain(ChainNodes, () => JsonValue.Create(expected)));
        var chain = Flows.RunChecked(_chainEngine, _jsChain, FlowStatus.Finished, _input);
        if (chain.State.Steps != ChainNodes || Math.Abs(chain.Outputs["total"]!.GetValue<double>() - expected) > 1e-9)
            throw new InvalidOperationException($"the chain ran {chain.State.Steps} steps and gave {chain.Outputs["total"]}, expected {ChainNodes} and {expected}");
        Flows.RunChecked(_chainEngine, _literalChain, FlowStatus.Finished, _input);
    }

    [Benchmark(Baseline = true, Description = "C# Func<JsonObject,double>")]
    public double CSharpDelegate() => CSharp(_input);

    [Benchmark(OperationsPerInvoke = ChainNodes, Description = "per node: SetOutput of the cached JS expression, warm host")]
    public Task<FlowRunResult> ChainWithJsExpression() => _chainEngine.RunAsync(_jsChain, _input);

    [Benchmark(OperationsPerInvoke = ChainNodes, Description = "per node: SetOutput of a literal")]
    public Task<FlowRunResult> ChainWithLiteral() => _chainEngine.RunAsync(_literalChain, _input);

    [Benchmark(Description = "flow: one SetOutput with the JS expression")]
    public Task<FlowRunResult> FlowWithJsSetOutput() => _engine.RunAsync(_flow, _input);
}
