using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Find", Category = "List", DisplayName = "Find",
    Description = "The first item that matches (same criteria as Filter); continues on 'found' or 'notFound'.")]
[Outcomes("found", "notFound")]
internal sealed class FindItem : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Dotted path read from each item; empty compares the item itself.")]
    public string Path { get; set; } = "";

    [Input(Description = "How the value at 'path' is compared with 'value'. Text compares ignoring case.")]
    public ComparisonOperator Operator { get; set; } = ComparisonOperator.Equals;

    [Input(Description = "What to compare with.")]
    public JsonNode? Value { get; set; }

    [Input(Editor = "javascript-expression", Description = "Instead of path/operator/value: JavaScript per item that is true for the wanted item; sees item and index.")]
    public string Expression { get; set; } = "";

    [Output(Description = "The first matching item, or null.")]
    public JsonNode? Item { get; private set; }

    [Output(Description = "Its position (0 is the first), or -1.")]
    public int Index { get; private set; } = -1;

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var criteria = new ItemCriteria(context, Path, Operator, Value, Expression);
        for (var i = 0; i < Items.Count; i++)
        {
            if (!criteria.Matches(Items[i], i)) continue;
            Item = Items[i]?.DeepClone();
            Index = i;
            return ValueTask.FromResult(ActivityResult.Outcome("found"));
        }
        return ValueTask.FromResult(ActivityResult.Outcome("notFound"));
    }
}
