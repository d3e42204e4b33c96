using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Filter", Category = "List", DisplayName = "Filter",
    Description = "Keeps the items that match: the value at 'path' compared with 'value', or 'expression' true for the item.")]
internal sealed class FilterItems : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Dotted path read from each item; empty compares the item itself.")]
    public string Path { get; set; } = "";

    [Input(Description = "How the value at 'path' is compared with 'value'. Text compares ignoring case.")]
    public ComparisonOperator Operator { get; set; } = ComparisonOperator.Equals;

    [Input(Description = "What to compare with.")]
    public JsonNode? Value { get; set; }

    [Input(Editor = "javascript-expression", Description = "Instead of path/operator/value: JavaScript per item that is true to keep it; sees item and index.")]
    public string Expression { get; set; } = "";

    [Output] public JsonArray Result { get; private set; } = [];

    [Output(Description = "How many items were kept.")]
    public int Count { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var criteria = new ItemCriteria(context, Path, Operator, Value, Expression);
        var result = new JsonArray();
        for (var i = 0; i < Items.Count; i++)
            if (criteria.Matches(Items[i], i)) result.Add(Items[i]?.DeepClone());
        Result = result;
        Count = result.Count;
        return ActivityResult.DoneTask;
    }
}
