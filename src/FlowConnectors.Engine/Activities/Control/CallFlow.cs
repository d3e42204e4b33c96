using System.Text.Json.Nodes;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("CallFlow", Category = "Control", DisplayName = "Call Flow", SideEffects = SideEffects.Unsafe,
    Description = "Runs another flow by id with inputs and returns its outputs. If the called flow waits, this node waits with it.")]
internal sealed class CallFlow : Activity
{
    [Input(Required = true)] public string FlowId { get; set; } = "";
    [Input(Editor = "json")] public JsonObject? Inputs { get; set; }

    [Output] public JsonObject Outputs { get; private set; } = [];

    protected internal override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var execution = context.Execution;
        var engine = execution.Engine;
        if (execution.CallDepth + 1 > engine.Options.MaxCallDepth)
            throw new ActivityFaultException($"calls nest deeper than {engine.Options.MaxCallDepth} flows; is flow '{FlowId}' calling itself?");
        var flow = await ResolveAsync(context, FlowId);
        FlowRunResult result;
        try
        {
            result = await engine.RunAsync(flow, Inputs, null, execution.State.CorrelationId, execution.CallDepth + 1,
                context.NodeId + "/", execution, context.CancellationToken);
        }
        catch (FlowInputException e)
        {
            throw new ActivityFaultException($"flow '{FlowId}': {string.Join("; ", e.Problems)}");
        }
        return Conclude(context, result);
    }

    protected internal override async ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload)
    {
        var execution = context.Execution;
        if (context.NodeState is not JsonObject kept || bookmark.Data?["child"] is not JsonValue childBookmark)
            throw new ActivityFaultException("the called flow's state is missing");
        var flowId = kept["flowId"]!.GetValue<string>();
        var childState = FlowInstanceState.FromJson(kept["state"]!.ToJsonString());
        var flow = await ResolveAsync(context, flowId);
        var result = await execution.Engine.ResumeAsync(flow, childState, childBookmark.GetValue<string>(), payload,
            execution.CallDepth + 1, context.NodeId + "/", execution, context.CancellationToken);
        return Conclude(context, result);
    }

    private static async Task<CompiledFlow> ResolveAsync(ActivityContext context, string flowId)
    {
        var engine = context.Execution.Engine;
        var provider = engine.Options.Flows ?? throw new ActivityFaultException("no flows are available to call here");
        try
        {
            if (provider is ICompiledFlowProvider compiled)
                return await compiled.FindCompiledAsync(flowId, engine, context.CancellationToken)
                       ?? throw new ActivityFaultException($"flow '{flowId}' was not found");
            var definition = await provider.FindAsync(flowId, context.CancellationToken)
                             ?? throw new ActivityFaultException($"flow '{flowId}' was not found");
            return engine.Compile(definition);
        }
        catch (Flows.FlowValidationException e) { throw new ActivityFaultException($"flow '{flowId}' is invalid: {e.Message}"); }
    }

    private ActivityResult Conclude(ActivityContext context, FlowRunResult result)
    {
        switch (result.Status)
        {
            case FlowStatus.Finished:
                context.NodeState = null;
                // As set: the caller inherited the called flow's secrets and masks them wherever it records them.
                Outputs = result.RawOutputsAsJson(runValue: true);
                return ActivityResult.Done;
            case FlowStatus.Suspended:
                // The child's whole state travels inside this node; each child bookmark is mirrored here.
                context.NodeState = new JsonObject { ["flowId"] = result.State.FlowId, ["state"] = JsonNode.Parse(result.State.ToJson()) };
                foreach (var bookmark in result.Bookmarks)
                    context.CreateBookmark(bookmark.Name, bookmark.Payload?.DeepClone(), new JsonObject { ["child"] = bookmark.Id });
                return ActivityResult.Suspend;
            default:
                throw new ActivityFaultException($"flow '{result.State.FlowId}' {(result.Status == FlowStatus.Cancelled ? "was cancelled" : "faulted")}: {result.Fault}");
        }
    }
}
