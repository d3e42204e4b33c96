using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Pick", Category = "Object", DisplayName = "Pick",
    Description = "A new object with only the named fields, in the order given; fields the object lacks are left out.")]
internal sealed class PickKeys : Activity
{
    [Input(Required = true)]
    public JsonObject Object { get; set; } = [];

    [Input(Required = true, Description = "Field names to keep.")]
    public string[] Keys { get; set; } = [];

    [Output] public JsonObject Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var result = new JsonObject();
        foreach (var key in Keys)
            if (Object.TryGetPropertyValue(key, out var value) && !result.ContainsKey(key))
                result[key] = value?.DeepClone();
        Result = result;
        return ActivityResult.DoneTask;
    }
}
