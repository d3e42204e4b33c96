using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Slice", Category = "List", DisplayName = "Slice",
    Description = "Part of a list: 'count' items from 'start' (0 is the first; negative counts from the end). Asking past the end gives fewer items.")]
internal sealed class SliceList : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Position of the first item; -1 is the last item.")]
    public int Start { get; set; }

    [Input(Description = "How many items; empty takes everything to the end.")]
    public int? Count { get; set; }

    [Output] public JsonArray Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Count is < 0) throw new ActivityFaultException($"count must not be negative, got {Count}");
        var start = Start < 0 ? Math.Max(0, Items.Count + Start) : Math.Min(Start, Items.Count);
        var count = Math.Min(Count ?? int.MaxValue, Items.Count - start);
        Result = new JsonArray(Items.Skip(start).Take(count).Select(i => i?.DeepClone()).ToArray());
        return ActivityResult.DoneTask;
    }
}
