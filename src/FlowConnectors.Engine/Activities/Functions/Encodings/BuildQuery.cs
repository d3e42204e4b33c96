using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities.Functions.Encodings;

[Activity("Url.BuildQuery", Category = "Encoding", DisplayName = "Build Query String",
    Description = "Turns { \"a\": 1, \"b\": \"x y\", \"tag\": [\"p\", \"q\"] } into a=1&b=x%20y&tag=p&tag=q. Null values are left out.")]
internal sealed class BuildQuery : Activity
{
    [Input(Required = true, Editor = "json")]
    public JsonObject Parameters { get; set; } = [];

    [Output(Description = "The query string, without a leading ?.")]
    public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var pairs = new List<string>();
        foreach (var (key, value) in Parameters)
        {
            if (value is JsonArray list)
            {
                for (var i = 0; i < list.Count; i++) Add(key, list[i], $"{key}[{i}]");
            }
            else
            {
                Add(key, value, key);
            }
        }
        Result = string.Join('&', pairs);
        return ActivityResult.DoneTask;

        void Add(string key, JsonNode? value, string where)
        {
            if (JsonValues.IsNull(value)) return;
            if (value is JsonObject or JsonArray)
                throw new ActivityFaultException($"parameter '{where}' is {ValueTypes.Describe(value)}; use text, numbers, booleans or lists of them");
            pairs.Add(Uri.EscapeDataString(key) + "=" + Uri.EscapeDataString(JsonValues.ToText(value)));
        }
    }
}
