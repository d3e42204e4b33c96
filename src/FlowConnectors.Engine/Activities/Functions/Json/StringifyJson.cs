using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Activities.Functions.Json;

[Activity("Json.Stringify", Category = "JSON", DisplayName = "Stringify JSON", Description = "Writes a value as JSON text.")]
internal sealed class StringifyJson : Activity
{
    // Readable text: characters such as é, < and ' stay as they are instead of \u escapes.
    private static readonly JsonSerializerOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private static readonly JsonSerializerOptions Indented = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, WriteIndented = true, NewLine = "\n" };

    [Input]
    public JsonNode? Value { get; set; }

    [Input(Description = "Spread over several lines, two spaces per level.")]
    public bool Indent { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        Result = Value is null ? "null" : Value.ToJsonString(Indent ? Indented : Compact);
        return ActivityResult.DoneTask;
    }
}
