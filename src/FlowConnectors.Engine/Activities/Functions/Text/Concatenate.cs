using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Concatenate", Category = "Text", DisplayName = "Concatenate",
    Description = "Joins values into one text, with a separator between them. Numbers and booleans are written as text, null as nothing.")]
internal sealed class Concatenate : Activity
{
    [Input(Required = true, Description = "The values to join, in order.")]
    public JsonArray Values { get; set; } = [];

    [Input(Description = "Placed between two values.")]
    public string Separator { get; set; } = "";

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = string.Join(Separator, Values.Select(JsonValues.ToText));
        return ActivityResult.DoneTask;
    }
}
