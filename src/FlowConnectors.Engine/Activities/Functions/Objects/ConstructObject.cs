using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Construct", Category = "Object", DisplayName = "Construct",
    Description = "Builds an object from fields; each field may be a literal or an expression, nested anywhere.")]
internal sealed class ConstructObject : Activity
{
    [Input(Required = true, Editor = "json", Description = "The object to build, e.g. { \"name\": { \"js\": \"input.name\" }, \"active\": true }.")]
    public JsonObject Fields { get; set; } = [];

    [Output] public JsonObject Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = (JsonObject)Fields.DeepClone();
        return ActivityResult.DoneTask;
    }
}
