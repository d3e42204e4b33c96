using System.Text.Json.Nodes;
using Acornima.Ast;
using BenchmarkDotNet.Attributes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Runtime;
using Jint;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// A prepared JavaScript expression evaluated on an already-warm ScriptHost, against a C# delegate
/// doing the same arithmetic on the same JsonObject; plus a whole one-node flow using it.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class ExpressionBenchmarks
{
    private const string Expression = "input.price * input.quantity + (input.discount || 0)";

    private static readonly Func<JsonObject, double> CSharp = input =>
        input["price"]!.GetValue<double>() * input["quantity"]!.GetValue<double>() +
        (input["discount"] is { } discount ? discount.GetValue<double>() : 0);

    private JsonObject _input = null!;
    private ExpressionEvaluator _evaluator = null!;
    private Prepared<Script> _script;
    private FlowEngine _engine = null!;
    private CompiledFlow _flow = null!;

    [GlobalSetup]
    public void Setup()
    {
        _input = new JsonObject { ["price"] = 19.99, ["quantity"] = 3.0, ["discount"] = 2.5 };
        _evaluator = new ExpressionEvaluator(new Model(_input), ScriptLimits.Default, CancellationToken.None);
        _script = new ExpressionCompiler().PrepareExpression(Expression);
        var expected = CSharp(_input);
        var js = _evaluator.Scripts.Evaluate(_script)!.GetValue<double>();
        if (Math.Abs(js - expected) > 1e-9) throw new InvalidOperationException($"JavaScript gave {js}, C# {expected}");

        _engine = new FlowEngine();
        _flow = _engine.Compile(Flows.SetOutputFromJs(Expression));
        var run = Flows.RunChecked(_engine, _flow, FlowStatus.Finished, _input);
        if (Math.Abs(run.Outputs["total"]!.GetValue<double>() - expected) > 1e-9)
            throw new InvalidOperationException($"the flow gave {run.Outputs["total"]}, expected {expected}");
    }

    [GlobalCleanup]
    public void Cleanup() => _evaluator.Dispose();

    [Benchmark(Baseline = true, Description = "C# Func<JsonObject,double>")]
    public double CSharpDelegate() => CSharp(_input);

    [Benchmark(Description = "cached JS expression, warm ScriptHost")]
    public JsonNode? CachedJsExpression() => _evaluator.Scripts.Evaluate(_script);

    [Benchmark(Description = "flow: one SetOutput with the JS expression")]
    public Task<FlowRunResult> FlowWithJsSetOutput() => _engine.RunAsync(_flow, _input);

    private sealed class Model(JsonObject input) : IExpressionModel
    {
        public JsonObject Input { get; } = input;
        public IReadOnlyDictionary<string, JsonNode?> Variables { get; } = new Dictionary<string, JsonNode?>();
        public IReadOnlyDictionary<string, Dictionary<string, JsonNode?>> NodeOutputs { get; } = new Dictionary<string, Dictionary<string, JsonNode?>>();
        public JsonObject FlowMetadata { get; } = new() { ["id"] = "bench" };
        public TimeProvider Clock => TimeProvider.System;
    }
}
