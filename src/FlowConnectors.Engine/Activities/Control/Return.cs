using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("Return", Category = "Control",
    Description = "Sets flow outputs from an object and ends the flow at once; other branches stop.")]
internal sealed class Return : Activity, INodeValidator
{
    [Input(Description = "Output name → value.", Editor = "json")]
    public JsonObject? Outputs { get; set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Outputs is not null)
            foreach (var (name, value) in Outputs) context.SetFlowOutput(name, value);
        return ValueTask.FromResult(ActivityResult.FinishFlow);
    }

    public void Validate(NodeValidationContext context)
    {
        // The names are checked even when the values are expressions: an undeclared one faults at run time.
        if (context.Node.Inputs.TryGetValue("outputs", out var outputs) && outputs is JsonObject obj &&
            !Expressions.ExpressionCompiler.TryGetExpression(obj, out _, out _))
            foreach (var (name, _) in obj)
                if (!context.Flow.Outputs.Exists(o => o.Name == name))
                    context.AddError("UNDECLARED_OUTPUT", "outputs", $"output '{name}' is not declared in the flow's outputs");
    }
}
