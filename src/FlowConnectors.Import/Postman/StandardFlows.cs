using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Import.Postman;

/// <summary>The standard flows of an imported connector: httpHelper, customApiAction and _authping.</summary>
internal static class StandardFlows
{
    private static readonly string[] Methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"];

    private static JsonArray Options(IEnumerable<string> values) =>
        new(values.Select(v => (JsonNode?)new JsonObject { ["label"] = v, ["value"] = v }).ToArray());

    private static JsonObject Js(string code) => new() { ["js"] = code };

    // The body's encoding follows the Content-Type header the action passes, as in Postman: JSON,
    // URL-encoded form, multipart form-data (whose header the encoder writes, with its boundary) or text.
    private const string ContentTypeJs = "(Object.keys(input.headers || {}).filter(k => k.toLowerCase() === 'content-type').map(k => String(input.headers[k]).toLowerCase())[0] || '')";

    public static FlowDefinition HttpHelper(string baseUrl) => FlowJson.Parse(new JsonObject
    {
        ["format"] = 1,
        ["id"] = "httpHelper",
        ["name"] = "HTTP Helper",
        ["description"] = $"Sends a request to {baseUrl} with the connection's authentication. Every imported action calls it; the Content-Type header picks the body's encoding (JSON, form, multipart form-data or text).",
        ["inputs"] = new JsonArray(
            new JsonObject { ["name"] = "relative_url", ["type"] = "string", ["label"] = "Relative URL", ["required"] = true, ["description"] = "Path relative to the connection's base URL." },
            new JsonObject { ["name"] = "request_method", ["type"] = "string", ["label"] = "Request method", ["default"] = "GET", ["options"] = Options(Methods) },
            new JsonObject { ["name"] = "query", ["type"] = "object", ["label"] = "Query", ["description"] = "Query parameters." },
            new JsonObject { ["name"] = "headers", ["type"] = "object", ["label"] = "Headers", ["description"] = "Request headers." },
            new JsonObject { ["name"] = "body", ["type"] = "any", ["label"] = "Body", ["description"] = "Request body, encoded as its Content-Type header says (JSON when none)." },
            new JsonObject { ["name"] = "auth", ["type"] = "string", ["label"] = "Auth", ["description"] = "Which auth the request carries: empty for the connector's own, 'none' for no credentials, or the name of an additionalAuth entry of connector.json." }),
        ["outputs"] = new JsonArray(
            new JsonObject { ["name"] = "status_code", ["type"] = "integer", ["label"] = "Status code" },
            new JsonObject { ["name"] = "headers", ["type"] = "object", ["label"] = "Headers", ["description"] = "Response headers (lower-case names)." },
            new JsonObject { ["name"] = "body", ["type"] = "any", ["label"] = "Body", ["description"] = "Parsed JSON, or text." }),
        ["nodes"] = new JsonArray(
            new JsonObject
            {
                ["id"] = "send",
                ["type"] = "Http.SendRequest",
                ["name"] = "Send request",
                ["inputs"] = new JsonObject
                {
                    ["url"] = Js("input.relative_url"),
                    ["method"] = Js("input.request_method"),
                    ["query"] = Js("input.query || {}"),
                    ["headers"] = Js("Object.fromEntries(Object.entries(input.headers || {}).filter(([k, v]) => !(k.toLowerCase() === 'content-type' && String(v).toLowerCase().indexOf('multipart/form-data') === 0)))"),
                    ["body"] = Js("input.body"),
                    ["bodyFormat"] = Js($"(ct => ct.indexOf('application/x-www-form-urlencoded') === 0 ? 'form' : ct.indexOf('multipart/form-data') === 0 ? 'multipart' : (ct === '' || ct.indexOf('json') >= 0) ? 'json' : 'text')({ContentTypeJs})"),
                    ["outcomes"] = new JsonArray("2xx", "3xx", "4xx", "5xx"),
                    ["useConnection"] = true,
                    ["auth"] = Js("input.auth || null"),
                },
            },
            new JsonObject
            {
                ["id"] = "done",
                ["type"] = "Return",
                ["name"] = "Return response",
                ["inputs"] = new JsonObject
                {
                    ["outputs"] = new JsonObject
                    {
                        ["status_code"] = Js("nodes.send.statusCode"),
                        ["headers"] = Js("nodes.send.headers"),
                        ["body"] = Js("nodes.send.body"),
                    },
                },
            }),
        ["connections"] = new JsonArray(
            new[] { "2xx", "3xx", "4xx", "5xx", "unmatched" }.Select(o => (JsonNode?)new JsonObject { ["from"] = $"send:{o}", ["to"] = "done" }).ToArray()),
    }.ToJsonString());

    /// <summary>The custom API action; <paramref name="auths"/> (connection, each additional auth, none) become its Auth option when there is a choice.</summary>
    public static FlowDefinition CustomApiAction(IReadOnlyList<string> auths)
    {
        var flow = CustomApiActionJson();
        if (auths.Count > 2)
        {
            flow["inputs"]!.AsArray().Add(new JsonObject
            {
                ["name"] = "auth", ["type"] = "string", ["label"] = "Auth", ["required"] = true, ["default"] = "connection", ["options"] = Options(auths),
                ["description"] = "connection: the connector's own auth; none: no credentials (an Authorization header you set is sent as it is); else one of the connector's additional auths.",
            });
            flow["nodes"]![2]!["inputs"]!["inputs"]!["auth"] = Js("input.auth");
            flow["card"]!["options"]!.AsArray().Add("auth");
        }
        return FlowJson.Parse(flow.ToJsonString());
    }

    private static JsonObject CustomApiActionJson() => new()
    {
        ["format"] = 1,
        ["id"] = "customApiAction",
        ["name"] = "Custom API Action",
        ["description"] = "Sends any request to the API through httpHelper, with the connection's authentication applied.",
        ["inputs"] = new JsonArray(
            new JsonObject { ["name"] = "requestType", ["type"] = "string", ["label"] = "Request Type", ["required"] = true, ["default"] = "GET", ["options"] = Options(Methods.Take(5)) },
            new JsonObject { ["name"] = "relativeUrl", ["type"] = "string", ["label"] = "Relative URL", ["required"] = true, ["description"] = "Starts with /, relative to the base URL. Query strings may be appended." },
            new JsonObject { ["name"] = "query", ["type"] = "object", ["label"] = "Query", ["description"] = "Query parameters as an object." },
            new JsonObject { ["name"] = "headers", ["type"] = "object", ["label"] = "Headers", ["description"] = "Extra request headers as an object." },
            new JsonObject { ["name"] = "body", ["type"] = "any", ["label"] = "Body", ["description"] = "Request body (JSON unless a Content-Type header says otherwise)." }),
        ["outputs"] = new JsonArray(
            new JsonObject { ["name"] = "statusCode", ["type"] = "integer", ["label"] = "Status Code" },
            new JsonObject { ["name"] = "headers", ["type"] = "object", ["label"] = "Headers" },
            new JsonObject { ["name"] = "body", ["type"] = "any", ["label"] = "Body" }),
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "validate", ["type"] = "If", ["name"] = "Relative URL is valid?", ["inputs"] = new JsonObject { ["condition"] = Js("/^\\/(?!\\/)/.test(input.relativeUrl) && input.relativeUrl.indexOf('..') < 0") } },
            new JsonObject { ["id"] = "invalid", ["type"] = "Fail", ["inputs"] = new JsonObject { ["message"] = Js("'Relative URL must start with a single / and stay within the base URL, got: ' + input.relativeUrl") } },
            new JsonObject
            {
                ["id"] = "call", ["type"] = "CallFlow", ["name"] = "Call httpHelper",
                ["inputs"] = new JsonObject
                {
                    ["flowId"] = "httpHelper",
                    ["inputs"] = new JsonObject
                    {
                        ["relative_url"] = Js("input.relativeUrl"), ["request_method"] = Js("input.requestType"),
                        ["query"] = Js("input.query || {}"), ["headers"] = Js("input.headers || {}"), ["body"] = Js("input.body"),
                    },
                },
            },
            new JsonObject
            {
                ["id"] = "done", ["type"] = "Return",
                ["inputs"] = new JsonObject
                {
                    ["outputs"] = new JsonObject
                    {
                        ["statusCode"] = Js("nodes.call.outputs.status_code"), ["headers"] = Js("nodes.call.outputs.headers"), ["body"] = Js("nodes.call.outputs.body"),
                    },
                },
            }),
        ["connections"] = new JsonArray(
            new JsonObject { ["from"] = "validate:true", ["to"] = "call" },
            new JsonObject { ["from"] = "validate:false", ["to"] = "invalid" },
            new JsonObject { ["from"] = "call:done", ["to"] = "done" }),
        ["card"] = new JsonObject
        {
            ["kind"] = "action", ["label"] = "Custom API Action", ["group"] = "Custom", ["options"] = new JsonArray("requestType"),
            ["description"] = "Make an authenticated HTTP request to any endpoint of the API.",
        },
    };

    /// <summary>Test connection: the first imported GET without path parameters (else the base URL) must answer below 400.</summary>
    public static FlowDefinition AuthPing(FlowDefinition? probe, IReadOnlyList<ImportedAction> actions)
    {
        var action = probe is null ? null : actions.First(a => a.Id == probe.Id);
        // The probe's own relative URL when it is a fixed path; one built from inputs is not usable without them.
        var literal = probe?.FindNode("call")?.Inputs.GetValueOrDefault("inputs") is JsonObject callInputsOfProbe &&
            callInputsOfProbe["relative_url"] is JsonValue v && v.TryGetValue(out string? fixedPath) ? fixedPath : null;
        if (literal is null) action = null;
        var path = literal ?? "/";
        var callInputs = new JsonObject { ["relative_url"] = path, ["request_method"] = "GET" };
        if (probe?.FindNode("call")?.Inputs.GetValueOrDefault("inputs") is JsonObject original && original["query"] is JsonObject query && !query.ToJsonString().Contains("input."))
            callInputs["query"] = query.DeepClone();
        return FlowJson.Parse(new JsonObject
        {
            ["format"] = 1,
            ["id"] = "_authping",
            ["name"] = "Test connection",
            ["description"] = action is null ? "GET / with the connection's credentials: any status below 400 means they work." : $"GET {path} (from '{action.Label}') with the connection's credentials: any status below 400 means they work.",
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "call", ["type"] = "CallFlow", ["name"] = $"GET {path}", ["inputs"] = new JsonObject { ["flowId"] = "httpHelper", ["inputs"] = callInputs } },
                new JsonObject { ["id"] = "check", ["type"] = "If", ["name"] = "Below 400?", ["inputs"] = new JsonObject { ["condition"] = Js("nodes.call.outputs.status_code < 400") } },
                new JsonObject { ["id"] = "ok", ["type"] = "Return" },
                new JsonObject { ["id"] = "fail", ["type"] = "Fail", ["inputs"] = new JsonObject { ["message"] = Js($"'GET {path} returned HTTP ' + nodes.call.outputs.status_code") } }),
            ["connections"] = new JsonArray(
                new JsonObject { ["from"] = "call:done", ["to"] = "check" },
                new JsonObject { ["from"] = "check:true", ["to"] = "ok" },
                new JsonObject { ["from"] = "check:false", ["to"] = "fail" }),
        }.ToJsonString());
    }
}
