using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Stimuli;

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
    [Input(Description = "What a request must carry, checked before anything runs (else 401): { kind: apiKey } (the server's API key), " +
                         "{ kind: sharedSecret, header, secret } or { kind: hmac, header, algorithm, prefix, encoding, timestampHeader, secret }. " +
                         "secret references { serverSecret: name } or { connection: id, parameter: name }, never a value.", Editor = "json")]
    public JsonObject? Auth { get; set; }
    [Input(Description = "With a correlation path: a request whose correlation id already has an instance (not faulted or cancelled) answers that instance's state and starts nothing — a vendor's retry of the same request.")]
    public bool Dedupe { get; set; }
    [Input(Description = "The variable a duplicate request is answered with as its status, e.g. status; the instance's status when empty.")]
    public string? StatusVariable { get; set; }
    [Input(Description = "Paths the request must hold, e.g. body.DeviceId; a request lacking one answers 422 naming it and starts nothing.")]
    public string[] Required { get; set; } = [];

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

    /// <summary>
    /// The trigger: found by the hash of its literal path, with the rules the server applies before a run starts
    /// (methods, correlation path, auth by secret reference only, dedupe, status variable, required paths).
    /// </summary>
    protected override FlowTrigger? DeclareTrigger(FlowDefinition flow, FlowNode node, DateTimeOffset now, ICollection<string> problems)
    {
        if (node.Inputs.GetValueOrDefault("path") is not JsonValue pathValue || !pathValue.TryGetValue(out string? path)) return null;
        return new FlowTrigger(node.Id, "http", new HttpEndpointStimulus(path), new JsonObject
        {
            ["path"] = path,
            ["node"] = node.Id,
            ["methods"] = (node.Inputs.GetValueOrDefault("methods") as JsonArray ?? ["POST"]).DeepClone(),
            ["correlationPath"] = node.Inputs.GetValueOrDefault("correlationPath")?.DeepClone(),
            ["auth"] = node.Inputs.GetValueOrDefault("auth")?.DeepClone(),
            ["dedupe"] = node.Inputs.GetValueOrDefault("dedupe")?.DeepClone(),
            ["statusVariable"] = node.Inputs.GetValueOrDefault("statusVariable")?.DeepClone(),
            ["required"] = node.Inputs.GetValueOrDefault("required")?.DeepClone(),
        });
    }

    public void Validate(NodeValidationContext context)
    {
        if (context.TryGetLiteral("path", out var path) && Engine.Values.JsonValues.TryGetString(path, out var text) &&
            (text.Length == 0 || text.StartsWith('/') || text.Contains("..") || text.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '/' or '.'))))
            context.AddError("INVALID_PATH", "path", $"path '{text}' must be relative (no leading '/') and hold only letters, digits, '-', '_', '.' and '/'");
        if (context.TryGetLiteral("dedupe", out var dedupe) && Engine.Values.JsonValues.IsTruthy(dedupe) &&
            !(context.TryGetLiteral("correlationPath", out var correlation) && Engine.Values.JsonValues.TryGetString(correlation, out var correlationText) && correlationText.Length > 0))
            context.AddError("DEDUPE_NEEDS_CORRELATION", "dedupe", "dedupe finds earlier requests by their correlation id: set correlationPath too");
        if (!context.Node.Inputs.TryGetValue("auth", out var auth) || auth is null) return;
        if (!context.TryGetLiteral("auth", out var literal) || literal is not JsonObject settings)
        {
            context.AddError("INVALID_AUTH", "auth", "auth must be a literal object like { \"kind\": \"hmac\", \"secret\": { \"serverSecret\": \"name\" } }, not an expression");
            return;
        }
        foreach (var problem in EndpointAuthRules.Problems(settings)) context.AddError("INVALID_AUTH", "auth", problem);
    }
}
