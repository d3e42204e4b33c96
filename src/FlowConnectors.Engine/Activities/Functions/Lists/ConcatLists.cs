using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Concat", Category = "List", DisplayName = "Concat", Description = "Joins several lists into one, in order; null entries are skipped.")]
internal sealed class ConcatLists : Activity
{
    [Input(Required = true, Description = "A list of lists.")]
    public JsonArray Lists { get; set; } = [];

    [Output] public JsonArray Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var result = new JsonArray();
        for (var i = 0; i < Lists.Count; i++)
        {
            if (JsonValues.IsNull(Lists[i])) continue;
            if (Lists[i] is not JsonArray list)
                throw new ActivityFaultException($"lists[{i}] is {ValueTypes.Describe(Lists[i])}, not a list");
            foreach (var item in list) result.Add(item?.DeepClone());
        }
        Result = result;
        return ActivityResult.DoneTask;
    }
}
