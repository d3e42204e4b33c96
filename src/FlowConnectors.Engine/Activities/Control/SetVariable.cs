using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("SetVariable", Category = "Control", DisplayName = "Set Variable", Description = "Sets a declared variable (vars.<name>).")]
internal sealed class SetVariable : Activity, INodeValidator
{
    [Input(Required = true)] public string Name { get; set; } = "";
    [Input] public JsonNode? Value { get; set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        context.SetVariable(Name, Value);
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context)
    {
        if (context.TryGetLiteral("name", out var name) && Values.JsonValues.TryGetString(name, out var text) &&
            !context.Flow.Variables.Exists(v => v.Name == text))
            context.AddError("UNDECLARED_VARIABLE", "name", $"variable '{text}' is not declared in $.variables");
    }
}
