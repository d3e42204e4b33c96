using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Keys", Category = "Object", DisplayName = "Keys", Description = "The field names of an object, in order.")]
internal sealed class ListKeys : Activity
{
    [Input(Required = true)]
    public JsonObject Object { get; set; } = [];

    [Output] public string[] Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Object.Select(p => p.Key).ToArray();
        return ActivityResult.DoneTask;
    }
}
