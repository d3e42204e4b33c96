using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Http.Activities;

/// <summary>
/// A trigger: the server starts a new instance for each request to <c>/hooks/&lt;path&gt;</c> with one of
/// the methods, and this start node hands the request to the flow. The response is the flow's outputs
/// when it finishes in time, else 202 with the instance id.
/// </summary>
[Activity("Http.Endpoint", Category = "HTTP", DisplayName = "HTTP Endpoint", Trigger = true,
    Description = "Starts the flow for each request to /hooks/<path>. Outputs the request; the flow's outputs become the response.")]
internal sealed class HttpEndpoint : Activity, INodeValidator
{
    [Input(Required = true, Description = "The path under /hooks/, e.g. app-approvals/requests.")] public string Path { get; set; } = "";
    [Input(Description = "Accepted methods.")] public string[] Methods { get; set; } = ["POST"];
    [Input(Description = "Where in the request the correlation id is, e.g. body.RequestId; instances are then found by it.")]
    public string? CorrelationPath { get; set; }

    [Output] public string Method { get; private set; } = "";
    [Output] public JsonObject Headers { get; private set; } = [];
    [Output] public JsonObject Query { get; private set; } = [];
    [Output] public JsonNode? Body { get; private set; }

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (context.TriggerPayload is JsonObject request)
        {
            Method = (string?)request["method"] ?? "";
            Headers = request["headers"] as JsonObject ?? [];
            Query = request["query"] as JsonObject ?? [];
            Body = request["body"];
        }
        return ActivityResult.DoneTask;
    }

    public void Validate(NodeValidationContext context)
    {
        if (context.TryGetLiteral("path", out var path) && Engine.Values.JsonValues.TryGetString(path, out var text) &&
            (text.Length == 0 || text.StartsWith('/') || text.Contains("..") || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.'))))
            context.AddError("INVALID_PATH", "path", $"path '{text}' must be relative (no leading '/') and hold only letters, digits, '-', '_', '.' and '/'");
    }
}
