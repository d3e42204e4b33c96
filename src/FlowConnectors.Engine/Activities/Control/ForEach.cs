using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Control;

[Activity("ForEach", Category = "Control", DisplayName = "For Each",
    Description = "Runs the 'iterate' branch once per item, one after the other; then continues on 'done'. The current item and index are nodes.<id>.currentItem and nodes.<id>.currentIndex.")]
[Outcomes("iterate", "done", LoopBody = "iterate")]
internal sealed class ForEach : Activity
{
    [Input(Required = true, Description = "The list to walk.")]
    public JsonArray Items { get; set; } = [];

    [Output] public JsonNode? CurrentItem { get; private set; }
    [Output] public int CurrentIndex { get; private set; }
    [Output(Description = "How many items the list had.")] public int Count { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        // The list is copied once, when the loop starts; later passes walk that same copy.
        if (!context.IsContinuation || context.NodeState is not JsonObject state)
            context.NodeState = state = new JsonObject { ["items"] = Items.DeepClone(), ["index"] = -1 };
        var items = state["items"]!.AsArray();
        var index = state["index"]!.GetValue<int>() + 1;
        Count = items.Count;
        CurrentIndex = index;
        if (index >= items.Count)
        {
            context.NodeState = null;
            return ValueTask.FromResult(ActivityResult.Outcome("done"));
        }
        state["index"] = index;
        CurrentItem = items[index];
        return ValueTask.FromResult(ActivityResult.Outcome("iterate"));
    }
}
