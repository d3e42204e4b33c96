using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Json;

[Activity("Json.Parse", Category = "JSON", DisplayName = "Parse JSON", Description = "Reads JSON text into a value (object, list, text, number …).")]
internal sealed class ParseJson : Activity
{
    [Input(Required = true, Editor = "multiline")]
    public string Text { get; set; } = "";

    [Output] public JsonNode? Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        try
        {
            Result = JsonNode.Parse(Text, documentOptions: new JsonDocumentOptions { MaxDepth = 128 });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $" at line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}" : "";
            var cut = e.Message.IndexOf(" Path:", StringComparison.Ordinal);
            var reason = cut > 0 ? e.Message[..cut].TrimEnd() : e.Message;
            throw new ActivityFaultException($"text is not valid JSON{where}: {reason}");
        }
        return ActivityResult.DoneTask;
    }
}
