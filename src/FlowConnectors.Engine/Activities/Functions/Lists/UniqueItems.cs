using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Unique", Category = "List", DisplayName = "Unique",
    Description = "Removes repeated items (or items whose value at 'path' repeats), keeping the first. Text compares exactly.")]
internal sealed class UniqueItems : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Dotted path whose value must be unique, e.g. email; empty compares whole items.")]
    public string Path { get; set; } = "";

    [Output] public JsonArray Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var segments = PathSegments.Parse(Path);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new JsonArray();
        foreach (var item in Items)
            if (seen.Add(KeyOf(PathSegments.ValueAt(item, segments)))) result.Add(item?.DeepClone());
        Result = result;
        return ActivityResult.DoneTask;
    }

    // Numbers by value, so 1 and 1.0 count as the same.
    private static string KeyOf(JsonNode? value) =>
        Values.JsonValues.TryGetNumber(value, out var number)
            ? "n:" + number.ToString("R", System.Globalization.CultureInfo.InvariantCulture)
            : value?.ToJsonString() ?? "null";
}
