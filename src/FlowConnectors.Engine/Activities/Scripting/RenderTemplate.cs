using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Scripting;

[Activity("Template", Category = "Script", DisplayName = "Template",
    Description = "Renders a Scriban template to text. Sees input, vars, nodes, flow, 'model' and the helpers.")]
internal sealed class RenderTemplate : Activity
{
    [Input(Required = true, Editor = "template")]
    public string Template { get; set; } = "";

    [Input(Description = "Extra values the template sees as 'model'.")]
    public JsonNode? Model { get; set; }

    [Output] public string Text { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Text = context.RenderTemplate(Template, [KeyValuePair.Create("model", Model)]);
        return ActivityResult.DoneTask;
    }
}
