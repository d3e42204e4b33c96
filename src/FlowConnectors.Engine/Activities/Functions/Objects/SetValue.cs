using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Set", Category = "Object", DisplayName = "Set",
    Description = "A copy of the object with the value at a path set; missing objects along the path are created.")]
internal sealed class SetValue : Activity
{
    [Input(Required = true)]
    public JsonObject Object { get; set; } = [];

    [Input(Required = true, Description = "Dotted path such as address.city or tags[2].")]
    public string Path { get; set; } = "";

    [Input]
    public JsonNode? Value { get; set; }

    [Output] public JsonObject Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var segments = PathSegments.Parse(Path);
        if (segments.Count == 0) throw new ActivityFaultException("path must name at least one property");
        // The input is shared with flow state; all changes happen on a copy.
        var result = (JsonObject)Object.DeepClone();
        JsonNode container = result;
        for (var i = 0; i < segments.Count; i++)
        {
            var last = i == segments.Count - 1;
            var value = last ? Value?.DeepClone() : null;
            var walked = string.Join('.', segments.Take(i));
            switch (container)
            {
                case JsonObject o:
                    if (last) { o[segments[i]] = value; break; }
                    if (JsonValues.IsNull(o[segments[i]])) o[segments[i]] = new JsonObject();
                    container = o[segments[i]]!;
                    break;
                case JsonArray a:
                    if (!int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index) || index > a.Count)
                        throw new ActivityFaultException($"'{walked}' is a list with {a.Count} items; '{segments[i]}' is not an index in it or just after its end");
                    if (index == a.Count) a.Add(last ? value : new JsonObject());
                    else if (last) a[index] = value;
                    else if (JsonValues.IsNull(a[index])) a[index] = new JsonObject();
                    if (!last) container = a[index]!;
                    break;
                default:
                    throw new ActivityFaultException($"cannot set '{Path}': '{walked}' is {ValueTypes.Describe(container)}, not an object");
            }
        }
        Result = result;
        return ActivityResult.DoneTask;
    }
}
