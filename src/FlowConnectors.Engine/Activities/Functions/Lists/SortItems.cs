using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Sort", Category = "List", DisplayName = "Sort",
    Description = "Sorts a list by the items or by the value at a path: numbers by value, text ignoring case; missing values go last. Equal items keep their order.")]
internal sealed class SortItems : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Dotted path to sort by, e.g. lastName; empty sorts by the items themselves.")]
    public string Path { get; set; } = "";

    [Input]
    public bool Descending { get; set; }

    [Output] public JsonArray Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var segments = PathSegments.Parse(Path);
        var keyed = Items.Select((item, index) => (Item: item, Key: PathSegments.ValueAt(item, segments), Index: index)).ToList();
        keyed.Sort((a, b) =>
        {
            var aMissing = Values.JsonValues.IsNull(a.Key);
            var bMissing = Values.JsonValues.IsNull(b.Key);
            // Missing keys go last in both directions; the index keeps the sort stable.
            var order = aMissing || bMissing ? aMissing.CompareTo(bMissing)
                : Descending ? JsonComparison.Compare(b.Key, a.Key) : JsonComparison.Compare(a.Key, b.Key);
            return order != 0 ? order : a.Index.CompareTo(b.Index);
        });
        Result = new JsonArray(keyed.Select(k => k.Item?.DeepClone()).ToArray());
        return ActivityResult.DoneTask;
    }
}
