using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The standard flows a new connector starts with, following the Okta conventions (docs/connectors.md):
/// httpHelper, _authping, the custom API action, a custom auth flow for auth kind <c>custom</c>, and _revoke for OAuth.
/// </summary>
internal static class Scaffolds
{
    private const string Methods = """[{ "label": "GET", "value": "GET" }, { "label": "POST", "value": "POST" }, { "label": "PUT", "value": "PUT" }, { "label": "PATCH", "value": "PATCH" }, { "label": "DELETE", "value": "DELETE" }]""";

    public static FlowDefinition HttpHelper() => FlowJson.Parse($$"""
        {
          "format": 1,
          "id": "httpHelper",
          "name": "HTTP Helper",
          "description": "Sends a request to the connection's base URL with the connector's authentication and Accept: application/json. Every card calls it.",
          "inputs": [
            { "name": "relative_url", "type": "string", "label": "Relative URL", "description": "Path relative to the connection's base URL, e.g. /users.", "required": true },
            { "name": "request_method", "type": "string", "label": "Request method", "default": "GET", "options": {{Methods}} },
            { "name": "query", "type": "object", "label": "Query", "description": "Query parameters." },
            { "name": "headers", "type": "object", "label": "Headers", "description": "Extra request headers." },
            { "name": "body", "type": "any", "label": "Body", "description": "Request body, sent as JSON." }
          ],
          "outputs": [
            { "name": "status_code", "type": "integer", "label": "Status code" },
            { "name": "headers", "type": "object", "label": "Headers", "description": "Response headers (lower-case names)." },
            { "name": "body", "type": "any", "label": "Body", "description": "Parsed JSON, or text." }
          ],
          "nodes": [
            { "id": "send", "type": "Http.SendRequest", "name": "Send request", "inputs": {
                "body": { "js": "input.body" },
                "headers": { "js": "Object.assign({ Accept: 'application/json' }, input.headers || {})" },
                "method": { "js": "input.request_method" },
                "outcomes": ["2xx", "3xx", "4xx", "5xx"],
                "query": { "js": "input.query || {}" },
                "url": { "js": "input.relative_url" },
                "useConnection": true } },
            { "id": "done", "type": "Return", "name": "Return response", "inputs": { "outputs": {
                "body": { "js": "nodes.send.body" }, "headers": { "js": "nodes.send.headers" }, "status_code": { "js": "nodes.send.statusCode" } } } }
          ],
          "connections": [
            { "from": "send:2xx", "to": "done" }, { "from": "send:3xx", "to": "done" }, { "from": "send:4xx", "to": "done" },
            { "from": "send:5xx", "to": "done" }, { "from": "send:unmatched", "to": "done" }
          ]
        }
        """);

    /// <summary>Test connection: GET <paramref name="path"/>; a 2xx answer means the connection works, anything else is the reason.</summary>
    public static FlowDefinition AuthPing(string path) => FlowJson.Parse($$"""
        {
          "format": 1,
          "id": "_authping",
          "name": "Test connection",
          "description": "Reads a cheap endpoint; a 2xx answer means the credentials work.",
          "nodes": [
            { "id": "call", "type": "CallFlow", "name": "GET", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": {{JsonValue.Create(path)!.ToJsonString()}}, "request_method": "GET" } } },
            { "id": "check", "type": "If", "name": "2xx?", "inputs": { "condition": { "js": "nodes.call.outputs.status_code >= 200 && nodes.call.outputs.status_code < 300" } } },
            { "id": "ok", "type": "Return" },
            { "id": "fail", "type": "Fail", "inputs": { "message": { "js": "(function (b) { return 'HTTP ' + nodes.call.outputs.status_code + (b && (b.message || b.error) ? ': ' + (b.message || b.error.message || b.error) : ''); })(nodes.call.outputs.body)" } } }
          ],
          "connections": [
            { "from": "call:done", "to": "check" }, { "from": "check:true", "to": "ok" }, { "from": "check:false", "to": "fail" }
          ]
        }
        """);

    /// <summary>Where a new OAuth connector's <c>_revoke</c> posts until its author sets the provider's revocation path.</summary>
    public const string DefaultRevokePath = "/oauth/revoke";

    /// <summary>
    /// Deauthorize: POST <paramref name="path"/> with the connection's token (RFC 7009-style revocation through httpHelper);
    /// a 2xx answer means the vendor revoked it, anything else is the reason the deauthorize answer reports.
    /// </summary>
    public static FlowDefinition Revoke(string path) => FlowJson.Parse($$"""
        {
          "format": 1,
          "id": "_revoke",
          "name": "Revoke tokens",
          "description": "Runs when a connection is deauthorized: asks the vendor to revoke the connection's token. Set the path to the provider's revocation endpoint.",
          "nodes": [
            { "id": "call", "type": "CallFlow", "name": "POST", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": {{JsonValue.Create(path)!.ToJsonString()}}, "request_method": "POST" } } },
            { "id": "check", "type": "If", "name": "2xx?", "inputs": { "condition": { "js": "nodes.call.outputs.status_code >= 200 && nodes.call.outputs.status_code < 300" } } },
            { "id": "ok", "type": "Return" },
            { "id": "fail", "type": "Fail", "inputs": { "message": { "js": "(function (b) { return 'revoke failed with HTTP ' + nodes.call.outputs.status_code + (b && (b.error_description || b.message || b.error) ? ': ' + (b.error_description || b.message || b.error.message || b.error) : ''); })(nodes.call.outputs.body)" } } }
          ],
          "connections": [
            { "from": "call:done", "to": "check" }, { "from": "check:true", "to": "ok" }, { "from": "check:false", "to": "fail" }
          ]
        }
        """);

    public static FlowDefinition CustomApiAction() => FlowJson.Parse($$"""
        {
          "format": 1,
          "id": "customApiAction",
          "name": "Custom API Action",
          "description": "Sends any request to the API through httpHelper, with the connection's authentication applied.",
          "inputs": [
            { "name": "requestType", "type": "string", "label": "Request Type", "required": true, "default": "GET", "options": {{Methods}} },
            { "name": "relativeUrl", "type": "string", "label": "Relative URL", "description": "Starts with /, relative to the base URL. Query strings may be appended.", "required": true },
            { "name": "query", "type": "object", "label": "Query", "description": "Query parameters as an object." },
            { "name": "headers", "type": "object", "label": "Headers", "description": "Extra request headers as an object." },
            { "name": "body", "type": "any", "label": "Body", "description": "Request body (JSON)." }
          ],
          "outputs": [
            { "name": "statusCode", "type": "integer", "label": "Status Code" },
            { "name": "headers", "type": "object", "label": "Headers" },
            { "name": "body", "type": "any", "label": "Body" }
          ],
          "nodes": [
            { "id": "validate", "type": "If", "name": "Relative URL is valid?", "inputs": { "condition": { "js": "/^\\/(?!\\/)/.test(input.relativeUrl) && input.relativeUrl.indexOf('..') < 0" } } },
            { "id": "invalid", "type": "Fail", "inputs": { "message": { "js": "'Relative URL must start with a single / and stay within the base URL, got: ' + input.relativeUrl" } } },
            { "id": "call", "type": "CallFlow", "name": "Call httpHelper", "inputs": { "flowId": "httpHelper", "inputs": {
                "body": { "js": "input.body" }, "headers": { "js": "input.headers || {}" }, "query": { "js": "input.query || {}" },
                "relative_url": { "js": "input.relativeUrl" }, "request_method": { "js": "input.requestType" } } } },
            { "id": "done", "type": "Return", "inputs": { "outputs": {
                "body": { "js": "nodes.call.outputs.body" }, "headers": { "js": "nodes.call.outputs.headers" }, "statusCode": { "js": "nodes.call.outputs.status_code" } } } }
          ],
          "connections": [
            { "from": "validate:true", "to": "call" }, { "from": "validate:false", "to": "invalid" }, { "from": "call:done", "to": "done" }
          ],
          "card": { "kind": "action", "label": "Custom API Action", "description": "Make an authenticated HTTP request to any endpoint of the API.", "group": "Custom", "options": ["requestType"] }
        }
        """);

    /// <summary>Custom auth: takes the connection's parameters, returns the headers and query to apply (empty until the author fills them in).</summary>
    public static FlowDefinition CustomAuth(string id, IEnumerable<string> parameters)
    {
        var flow = FlowJson.Parse($$"""
            {
              "format": 1,
              "id": {{JsonValue.Create(id)!.ToJsonString()}},
              "name": "Authentication",
              "description": "Returns the headers and query parameters that authenticate a request, from the connection's parameters.",
              "outputs": [ { "name": "headers", "type": "object", "label": "Headers" }, { "name": "query", "type": "object", "label": "Query" } ],
              "nodes": [ { "id": "done", "type": "Return", "inputs": { "outputs": { "headers": {}, "query": {} } } } ],
              "connections": []
            }
            """);
        flow.Inputs.AddRange(parameters.Select(p => new FlowParameter { Name = p, Type = "string" }));
        return flow;
    }
}
