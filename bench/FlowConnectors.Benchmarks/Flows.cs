using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Benchmarks;

/// <summary>Flow definitions built in code for the benchmarks.</summary>
internal static class Flows
{
    /// <summary>n0 → n1 → … → n(count-1), all NoOp.</summary>
    public static FlowDefinition LinearNoOpChain(int count)
    {
        var flow = new FlowDefinition { Id = $"chain-{count}" };
        for (var i = 0; i < count; i++)
        {
            flow.Nodes.Add(new FlowNode { Id = "n" + i, Type = "NoOp" });
            if (i > 0) flow.Connections.Add(new FlowConnection { FromNode = "n" + (i - 1), Outcome = "done", To = "n" + i });
        }
        return flow;
    }

    /// <summary>fork → b0…b(branches-1) (NoOp) → join (all) → out (SetOutput count = branches).</summary>
    public static FlowDefinition ForkJoin(int branches)
    {
        var flow = new FlowDefinition { Id = $"fork-join-{branches}" };
        flow.Outputs.Add(new FlowParameter { Name = "count", Type = "integer" });
        flow.Nodes.Add(new FlowNode { Id = "fork", Type = "Fork" });
        for (var i = 0; i < branches; i++)
        {
            flow.Nodes.Add(new FlowNode { Id = "b" + i, Type = "NoOp" });
            flow.Connections.Add(new FlowConnection { FromNode = "fork", Outcome = "done", To = "b" + i });
            flow.Connections.Add(new FlowConnection { FromNode = "b" + i, Outcome = "done", To = "join" });
        }
        flow.Nodes.Add(new FlowNode { Id = "join", Type = "Join", Inputs = { ["mode"] = "all" } });
        flow.Nodes.Add(new FlowNode { Id = "out", Type = "SetOutput", Inputs = { ["name"] = "count", ["value"] = branches } });
        flow.Connections.Add(new FlowConnection { FromNode = "join", Outcome = "done", To = "out" });
        return flow;
    }

    /// <summary>One SetOutput node whose value is a JavaScript expression over the inputs.</summary>
    public static FlowDefinition SetOutputFromJs(string expression)
    {
        var flow = new FlowDefinition { Id = "set-output-js" };
        flow.Inputs.Add(new FlowParameter { Name = "price", Type = "number", Required = true });
        flow.Inputs.Add(new FlowParameter { Name = "quantity", Type = "number", Required = true });
        flow.Inputs.Add(new FlowParameter { Name = "discount", Type = "number" });
        flow.Outputs.Add(new FlowParameter { Name = "total", Type = "number" });
        flow.Nodes.Add(new FlowNode
        {
            Id = "out",
            Type = "SetOutput",
            Inputs = { ["name"] = "total", ["value"] = new JsonObject { ["js"] = expression } },
        });
        return flow;
    }

    /// <summary>
    /// out0 → … → out(count-1), each a SetOutput of <paramref name="value"/> (an expression or a literal) to "total",
    /// over the same inputs as <see cref="SetOutputFromJs"/>.
    /// </summary>
    public static FlowDefinition SetOutputChain(int count, Func<JsonNode> value)
    {
        var flow = SetOutputFromJs("0");
        flow.Id = $"set-output-chain-{count}";
        flow.Nodes.Clear();
        for (var i = 0; i < count; i++)
        {
            flow.Nodes.Add(new FlowNode { Id = "out" + i, Type = "SetOutput", Inputs = { ["name"] = "total", ["value"] = value() } });
            if (i > 0) flow.Connections.Add(new FlowConnection { FromNode = "out" + (i - 1), Outcome = "done", To = "out" + i });
        }
        return flow;
    }

    /// <summary>js0 → … → js(count-1) (RunJavaScript, each returning an object) → wait (WaitForEvent).</summary>
    public static FlowDefinition OutputsThenWait(int count)
    {
        var flow = new FlowDefinition { Id = $"outputs-then-wait-{count}" };
        for (var i = 0; i < count; i++)
        {
            flow.Nodes.Add(new FlowNode
            {
                Id = "js" + i,
                Type = "RunJavaScript",
                Inputs = { ["code"] = $"return {{ id: {i}, name: 'node {i}', tags: ['a', 'b'] }};" },
            });
            if (i > 0) flow.Connections.Add(new FlowConnection { FromNode = "js" + (i - 1), Outcome = "done", To = "js" + i });
        }
        flow.Nodes.Add(new FlowNode { Id = "wait", Type = "WaitForEvent", Inputs = { ["eventName"] = "approved", ["correlationId"] = "bench-1" } });
        flow.Connections.Add(new FlowConnection { FromNode = "js" + (count - 1), Outcome = "done", To = "wait" });
        return flow;
    }

    /// <summary>Runs once and throws unless the run ended as expected (a broken benchmark measures nothing).</summary>
    public static FlowRunResult RunChecked(FlowEngine engine, CompiledFlow flow, FlowStatus expected, JsonObject? input = null)
    {
        var result = engine.RunAsync(flow, input).GetAwaiter().GetResult();
        if (result.Status != expected)
            throw new InvalidOperationException($"flow '{flow.Definition.Id}' ended {result.Status}, expected {expected}: {result.Fault}");
        return result;
    }
}
