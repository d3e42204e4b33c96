using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("While", Category = "Control",
    Description = "Runs the 'iterate' branch while the condition holds (evaluated before each pass); then continues on 'done'.")]
[Outcomes("iterate", "done", LoopBody = "iterate")]
internal sealed class While : Activity
{
    [Input(Required = true, Description = "Evaluated again before every pass; use an expression, e.g. vars.page < 10.")]
    public JsonNode? Condition { get; set; }

    [Output(Description = "Passes started so far (0 on the first).")]
    public int Iteration { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var iteration = context.IsContinuation && context.NodeState is JsonValue v ? v.GetValue<int>() + 1 : 0;
        Iteration = iteration;
        if (!Values.JsonValues.IsTruthy(Condition))
        {
            context.NodeState = null;
            return ValueTask.FromResult(ActivityResult.Outcome("done"));
        }
        context.NodeState = JsonValue.Create(iteration);
        return ValueTask.FromResult(ActivityResult.Outcome("iterate"));
    }
}
