using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;
using FlowConnectors.Http.Requests;

namespace FlowConnectors.Http.Activities;

[Activity("Http.SendRequest", Category = "HTTP", DisplayName = "Send HTTP Request", SideEffects = SideEffects.Unsafe,
    Description = "Sends one HTTP request and continues on the outcome its status code matches (an exact code such as '404' beats a class such as '4xx'; no match → 'unmatched'). A 4xx, 5xx or unmatched status faults the node unless that outcome is connected. Retries, timeouts and circuit breaking come from the client's resilience settings.")]
[Outcomes("2xx", "4xx", "5xx", StatusOutcomes.Unmatched, Dynamic = true, Errors = ["4xx", "5xx", StatusOutcomes.Unmatched])]
internal sealed class SendRequest : Activity, INodeValidator, INodeSideEffects
{
    [Input(Options = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])]
    public string Method { get; set; } = "GET";

    [Input(Required = true, Description = "Absolute http(s) URL, or a URL relative to the connection's base URL when useConnection is true.")]
    public string Url { get; set; } = "";

    [Input(Description = "Query parameters; a list repeats the key, null values are left out.", Editor = "json")]
    public JsonObject? Query { get; set; }

    [Input(Description = "Request headers. Never shown in outputs.", Editor = "json")]
    public JsonObject? Headers { get; set; }

    [Input(Description = "Request body, encoded as bodyFormat says.", Editor = "json")]
    public JsonNode? Body { get; set; }

    [Input(Description = "json; text; form (an object, URL-encoded); multipart (an object of text fields and file objects { fileName, contentType, content | base64 }).")]
    public BodyFormat BodyFormat { get; set; } = BodyFormat.Json;

    [Input(Description = "How long to wait for the whole response, retries included: more than 0, at most 24 hours.")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    [Input(Description = "The outcomes to branch on: exact codes ('404') or classes ('2xx').")]
    public string[] Outcomes { get; set; } = StatusOutcomes.Defaults;

    [Input(Description = "Send through the flow's connection: its base URL, credentials and resilience settings.")]
    public bool UseConnection { get; set; }

    [Input(Description = "With useConnection: which of the connector's auths the request carries. Empty: the connector's own; 'none': no credentials at all; else the name of one of the connector's additionalAuth entries.")]
    public string? Auth { get; set; }

    [Input(Description = "Sent as the Idempotency-Key header; lets POST and PATCH be retried safely.")]
    public string? IdempotencyKey { get; set; }

    [Input(Description = "Send an Idempotency-Key header derived from the instance, this node and its loop pass (unless idempotencyKey is set): the same key when a retry or a crash recovery sends the request again, so a vendor that honours it does the work once.")]
    public bool AutoIdempotencyKey { get; set; }

    [Input(Description = "Largest response body accepted, in bytes.")]
    public long MaxResponseBytes { get; set; } = HttpLimits.DefaultMaxResponseBytes;

    [Input(Description = "Follow redirects (at most 10). Empty: followed without a connection, not with one. A hop to another origin never carries the request's headers, credentials or body.")]
    public bool? FollowRedirects { get; set; }

    [Output] public int StatusCode { get; private set; }

    [Output(Name = "headers", Description = "Response headers with lower-case names; repeated headers joined with ', '.")]
    public JsonObject? ResponseHeaders { get; private set; }

    [Output(Name = "body", Description = "The response body: parsed JSON for a JSON content type, else text; null when empty.")]
    public JsonNode? ResponseBody { get; private set; }

    [Output(Description = "The response's media type, e.g. application/json.")]
    public string? ContentType { get; private set; }

    protected override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var invalid = Outcomes.FirstOrDefault(o => !StatusOutcomes.IsValid(o));
        if (invalid is not null) throw new ActivityFaultException($"outcome '{invalid}' is neither a status code nor a class like '2xx'");
        var response = await HttpRequestSender.SendAsync(context, new HttpRequestSpec
        {
            Method = HttpMethods.Parse(Method, HttpMethods.All),
            Url = Url,
            Query = Query,
            Headers = Headers,
            Body = Body,
            BodyFormat = BodyFormat,
            Timeout = Timeout,
            UseConnection = UseConnection,
            Auth = string.IsNullOrEmpty(Auth) ? null : Auth,
            IdempotencyKey = string.IsNullOrEmpty(IdempotencyKey) && AutoIdempotencyKey ? context.IdempotencyKey : IdempotencyKey,
            MaxResponseBytes = MaxResponseBytes,
            FollowRedirects = FollowRedirects,
        });
        StatusCode = response.StatusCode;
        ResponseHeaders = response.Headers;
        ResponseBody = response.Body;
        ContentType = response.ContentType;
        var outcome = StatusOutcomes.Pick(Outcomes, StatusCode);
        if (StatusCode < 400 && outcome != StatusOutcomes.Unmatched) return ActivityResult.Outcome(outcome);
        // A 4xx/5xx (or a status no outcome names) faults the node unless its outcome is connected.
        var preview = response.Body is null ? "" : ": " + ResponseReader.Preview(JsonValues.ToText(response.Body), 200);
        return ActivityResult.ErrorOutcome(outcome, $"HTTP {StatusCode} from {response.Host}{preview}");
    }

    /// <summary>
    /// GET, HEAD and OPTIONS change nothing; PUT and DELETE, or any request with an idempotency key, are idempotent; the
    /// rest (POST, PATCH, or a method only known at run time) may do the work twice.
    /// </summary>
    public SideEffects? SideEffectsOf(IReadOnlyDictionary<string, JsonNode?> literalInputs, IReadOnlySet<string> expressionInputs, IServiceProvider services)
    {
        if (expressionInputs.Contains("idempotencyKey")
            || literalInputs.TryGetValue("idempotencyKey", out var key) && JsonValues.TryGetString(key, out var text) && text.Length > 0
            || literalInputs.TryGetValue("autoIdempotencyKey", out var auto) && auto is JsonValue a && a.TryGetValue(out bool on) && on)
            return SideEffects.Idempotent;
        if (expressionInputs.Contains("method")) return null;
        var method = literalInputs.TryGetValue("method", out var given) && JsonValues.TryGetString(given, out var m) ? m.ToUpperInvariant() : "GET";
        return method switch
        {
            "GET" or "HEAD" or "OPTIONS" => SideEffects.None,
            "PUT" or "DELETE" => SideEffects.Idempotent,
            _ => null,
        };
    }

    /// <summary>
    /// Under a node's error policy: transport errors, timeouts, 408, 429 and 5xx are worth another attempt; any other
    /// status would come back the same. A 429 or 503 with Retry-After (seconds or an HTTP date) sets the wait.
    /// </summary>
    protected override RetryAdvice AdviseRetry(string? errorOutcome, TimeProvider clock)
    {
        if (errorOutcome is null || StatusCode == 0) return RetryAdvice.Retry;
        if (StatusCode is not (408 or 429 or >= 500)) return RetryAdvice.DoNotRetry;
        if (StatusCode is 429 or 503 && ResponseHeaders?["retry-after"] is JsonValue header && header.TryGetValue(out string? text))
            return new RetryAdvice(true, RetryAfter.Parse(text, clock.GetUtcNow()));
        return RetryAdvice.Retry;
    }

    public void Validate(NodeValidationContext context)
    {
        // method: the engine already checks a literal against the input's options.
        UrlRules.Validate(context);
        if (!context.Node.Inputs.ContainsKey("outcomes"))
        {
            context.DeclareOutcomes(StatusOutcomes.Defaults.Append(StatusOutcomes.Unmatched));
            return;
        }
        if (!context.TryGetLiteral("outcomes", out var literal)) return;
        if (literal is not JsonArray entries)
        {
            context.AddError("INVALID_OUTCOMES", "outcomes", "outcomes must be a list like [\"2xx\", \"404\"]");
            return;
        }
        var names = new List<string>();
        foreach (var entry in entries)
        {
            if (!JsonValues.TryGetString(entry, out var name) || !StatusOutcomes.IsValid(name))
                context.AddError("INVALID_OUTCOMES", "outcomes", $"outcome {entry?.ToJsonString() ?? "null"} is neither a status code nor a class like '2xx'");
            else if (names.Contains(name))
                context.AddError("INVALID_OUTCOMES", "outcomes", $"outcome '{name}' is listed twice");
            else
                names.Add(name);
        }
        context.DeclareOutcomes(names.Append(StatusOutcomes.Unmatched));
    }
}
