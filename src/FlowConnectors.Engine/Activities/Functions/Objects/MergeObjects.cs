using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Merge", Category = "Object", DisplayName = "Merge",
    Description = "Combines objects into one; when two have the same field, the later one wins. Deep merge combines nested objects field by field too.")]
internal sealed class MergeObjects : Activity
{
    [Input(Required = true, Description = "The objects, earliest first; null entries are skipped.")]
    public JsonArray Objects { get; set; } = [];

    [Input(Description = "Merge nested objects field by field instead of replacing them.")]
    public bool Deep { get; set; }

    [Output] public JsonObject Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var result = new JsonObject();
        for (var i = 0; i < Objects.Count; i++)
        {
            var item = Objects[i];
            if (JsonValues.IsNull(item)) continue;
            if (item is not JsonObject source)
                throw new ActivityFaultException($"objects[{i}] is {ValueTypes.Describe(item)}, not an object");
            MergeInto(result, source);
        }
        Result = result;
        return ActivityResult.DoneTask;
    }

    private void MergeInto(JsonObject target, JsonObject source)
    {
        foreach (var (key, value) in source)
        {
            if (Deep && value is JsonObject nested && target[key] is JsonObject existing)
                MergeInto(existing, nested);
            else
                target[key] = value?.DeepClone();
        }
    }
}
