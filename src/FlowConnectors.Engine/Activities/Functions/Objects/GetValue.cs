using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Objects;

[Activity("Object.Get", Category = "Object", DisplayName = "Get",
    Description = "Reads the value at a path such as user.address.city or items[0].id.")]
internal sealed class GetValue : Activity
{
    [Input(Required = true, Description = "An object or a list.")]
    public JsonNode? Object { get; set; }

    [Input(Required = true, Description = "Dotted path: a.b.c, a.list[0].name or a[\"key with.dots\"].")]
    public string Path { get; set; } = "";

    [Input(Description = "The value when nothing is at the path.")]
    public JsonNode? Default { get; set; }

    [Output] public JsonNode? Value { get; private set; }

    [Output(Description = "True when the path exists (even when its value is null).")]
    public bool Found { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Found = PathSegments.TryGet(Object, PathSegments.Parse(Path), out var value);
        Value = Found ? value?.DeepClone() : Default?.DeepClone();
        return ActivityResult.DoneTask;
    }
}
