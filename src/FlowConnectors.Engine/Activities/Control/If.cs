namespace FlowConnectors.Engine.Activities.Control;

[Activity("If", Category = "Control", Description = "Continues on 'true' or 'false' depending on a condition.")]
[Outcomes("true", "false")]
internal sealed class If : Activity
{
    [Input(Required = true, Description = "Truthy values (non-empty text, non-zero numbers, objects) continue on 'true'.")]
    public System.Text.Json.Nodes.JsonNode? Condition { get; set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) =>
        ValueTask.FromResult(ActivityResult.Outcome(Values.JsonValues.IsTruthy(Condition) ? "true" : "false"));
}
