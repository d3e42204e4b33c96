using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Scripting;

[Activity("RunJavaScript", Category = "Script", DisplayName = "Run JavaScript",
    Description = "Runs JavaScript (sandboxed). Its return value is 'result'; setOutcome(name) picks the outcome. Sees input, vars, nodes, flow and the helpers.")]
[Outcomes("done", Dynamic = true)]
internal sealed class RunJavaScript : Activity
{
    [Input(Required = true, Editor = "javascript", Description = "A function body: use return to produce the result.")]
    public string Code { get; set; } = "";

    [Input(Description = "Extra values the code sees as 'args'.")]
    public JsonNode? Args { get; set; }

    [Output] public JsonNode? Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = context.EvaluateScript(Code, [KeyValuePair.Create("args", Args)], functionBody: true);
        var outcome = context.ScriptOutcome;
        return ValueTask.FromResult(outcome is null ? ActivityResult.Done : ActivityResult.Outcome(outcome));
    }
}
