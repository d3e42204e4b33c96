using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Lists;

[Activity("List.Map", Category = "List", DisplayName = "Map",
    Description = "A new list with one value per item: the value at 'path' in each item, or what 'expression' gives for it.")]
internal sealed class MapItems : Activity
{
    [Input(Required = true)]
    public JsonArray Items { get; set; } = [];

    [Input(Description = "Dotted path read from each item, e.g. user.email.")]
    public string Path { get; set; } = "";

    [Input(Editor = "javascript-expression", Description = "JavaScript per item; sees item and index, e.g. item.firstName + ' ' + item.lastName.")]
    public string Expression { get; set; } = "";

    [Output] public JsonArray Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var expression = Expression.Trim();
        if (Path.Length > 0 == expression.Length > 0)
            throw new ActivityFaultException("give either 'path' or 'expression' (exactly one of them)");
        var segments = PathSegments.Parse(Path);
        var result = new JsonArray();
        for (var i = 0; i < Items.Count; i++)
        {
            result.Add(expression.Length > 0
                ? ItemCriteria.Evaluate(context, expression, Items[i], i)
                : PathSegments.ValueAt(Items[i], segments)?.DeepClone());
        }
        Result = result;
        return ActivityResult.DoneTask;
    }
}
