using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("SetOutput", Category = "Control", DisplayName = "Set Output", Description = "Sets one declared flow output; the flow goes on.")]
internal sealed class SetOutput : Activity, INodeValidator
{
    [Input(Required = true)] public string Name { get; set; } = "";
    [Input] public JsonNode? Value { get; set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.SetFlowOutput(Name, Value);
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context)
    {
        if (context.TryGetLiteral("name", out var name) && Values.JsonValues.TryGetString(name, out var text) &&
            !context.Flow.Outputs.Exists(o => o.Name == text))
            context.AddError("UNDECLARED_OUTPUT", "name", $"output '{text}' is not declared in $.outputs");
    }
}
