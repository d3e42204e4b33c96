using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Length", Category = "List", DisplayName = "List Length", Description = "How many items the list has.")]
internal sealed class ListLength : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Output] public int Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Items.Count;
        return ActivityResult.DoneTask;
    }
}
