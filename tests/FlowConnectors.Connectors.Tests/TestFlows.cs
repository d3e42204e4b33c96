namespace FlowConnectors.Connectors.Tests;

/// <summary>The flows and manifests test connectors are built from, as JSON strings.</summary>
internal static class TestFlows
{
    public const string Key = "test-api";

    /// <summary>A manifest with the given auth block and parameters; no retries unless <paramref name="http"/> says so.</summary>
    public static string Manifest(string auth, string parameters = "[]", string baseUrl = "https://api.example.com", string http = """{ "maxRetries": 0 }""") => $$"""
    {
      "key": "{{Key}}",
      "name": "Test API",
      "version": "1.0.0",
      "description": "A connector written by a test.",
      "accentColor": "#336699",
      "documentationUrl": "https://docs.example.com/api",
      "supportEmail": "support@example.com",
      "baseUrl": "{{baseUrl}}",
      "auth": {{auth}},
      "connectionParameters": {{parameters}},
      "http": {{http}}
    }
    """;

    /// <summary>Okta-style httpHelper: one Http.SendRequest with useConnection, every status class returned.</summary>
    public const string HttpHelper = """
    {
      "format": 1,
      "id": "httpHelper",
      "inputs": [
        { "name": "relative_url", "type": "string", "required": true },
        { "name": "request_method", "type": "string", "default": "GET" },
        { "name": "query", "type": "object" },
        { "name": "headers", "type": "object" },
        { "name": "body", "type": "any" }
      ],
      "outputs": [
        { "name": "status_code", "type": "integer" },
        { "name": "headers", "type": "object" },
        { "name": "body", "type": "any" }
      ],
      "nodes": [
        { "id": "send", "type": "Http.SendRequest", "inputs": {
            "method": { "js": "input.request_method" },
            "url": { "js": "input.relative_url" },
            "query": { "js": "input.query || {}" },
            "headers": { "js": "input.headers || {}" },
            "body": { "js": "input.body" },
            "outcomes": [ "2xx", "3xx", "4xx", "5xx" ],
            "useConnection": true } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "status_code": { "js": "nodes.send.statusCode" },
            "headers": { "js": "nodes.send.headers" },
            "body": { "js": "nodes.send.body" } } } }
      ],
      "connections": [
        { "from": "send:2xx", "to": "done" }, { "from": "send:3xx", "to": "done" },
        { "from": "send:4xx", "to": "done" }, { "from": "send:5xx", "to": "done" },
        { "from": "send:unmatched", "to": "done" }
      ]
    }
    """;

    /// <summary>GETs <paramref name="path"/>; a status below 300 passes, anything else fails with the API's message.</summary>
    public static string AuthPing(string path = "/me") => $$"""
    {
      "format": 1,
      "id": "_authping",
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "{{path}}" } } },
        { "id": "check", "type": "If", "inputs": { "condition": { "js": "nodes.call.outputs.status_code < 300" } } },
        { "id": "ok", "type": "Return" },
        { "id": "fail", "type": "Fail", "inputs": { "message": {
            "js": "'HTTP ' + nodes.call.outputs.status_code + ': ' + (nodes.call.outputs.body && nodes.call.outputs.body.message)" } } }
      ],
      "connections": [
        { "from": "call:done", "to": "check" }, { "from": "check:true", "to": "ok" }, { "from": "check:false", "to": "fail" }
      ]
    }
    """;

    /// <summary>POSTs <paramref name="path"/> to revoke the credentials.</summary>
    public static string Revoke(string path = "/revoke") => $$"""
    {
      "format": 1,
      "id": "_revoke",
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": { "relative_url": "{{path}}", "request_method": "POST" } } },
        { "id": "check", "type": "If", "inputs": { "condition": { "js": "nodes.call.outputs.status_code < 300" } } },
        { "id": "ok", "type": "Return" },
        { "id": "fail", "type": "Fail", "inputs": { "message": { "js": "'revoke failed with HTTP ' + nodes.call.outputs.status_code" } } }
      ],
      "connections": [
        { "from": "call:done", "to": "check" }, { "from": "check:true", "to": "ok" }, { "from": "check:false", "to": "fail" }
      ]
    }
    """;

    /// <summary>
    /// A custom API action that hands the relative URL to httpHelper unchecked, so the runtime's own
    /// URL rules are what stands between a card input and the credentials.
    /// </summary>
    public const string CustomApiAction = """
    {
      "format": 1,
      "id": "customApiAction",
      "inputs": [
        { "name": "requestType", "type": "string", "default": "GET" },
        { "name": "relativeUrl", "type": "string", "required": true },
        { "name": "query", "type": "object" },
        { "name": "headers", "type": "object" },
        { "name": "body", "type": "any" }
      ],
      "outputs": [
        { "name": "statusCode", "type": "integer" },
        { "name": "headers", "type": "object" },
        { "name": "body", "type": "any" }
      ],
      "nodes": [
        { "id": "call", "type": "CallFlow", "inputs": { "flowId": "httpHelper", "inputs": {
            "relative_url": { "js": "input.relativeUrl" },
            "request_method": { "js": "input.requestType" },
            "query": { "js": "input.query || {}" },
            "headers": { "js": "input.headers || {}" },
            "body": { "js": "input.body" } } } },
        { "id": "done", "type": "Return", "inputs": { "outputs": {
            "statusCode": { "js": "nodes.call.outputs.status_code" },
            "headers": { "js": "nodes.call.outputs.headers" },
            "body": { "js": "nodes.call.outputs.body" } } } }
      ],
      "connections": [ { "from": "call:done", "to": "done" } ],
      "card": { "kind": "action", "label": "Custom API Action", "options": [ "requestType" ] }
    }
    """;

    /// <summary>A connector folder with manifest, httpHelper, _authping (unless auth is none) and customApiAction.</summary>
    public static ConnectorFolder Connector(string auth, string parameters = "[]", string baseUrl = "https://api.example.com",
        string http = """{ "maxRetries": 0 }""")
    {
        var folder = new ConnectorFolder().Manifest(Manifest(auth, parameters, baseUrl, http)).Flow(HttpHelper).Flow(CustomApiAction);
        if (!auth.Contains("\"none\"", StringComparison.Ordinal)) folder.Flow(AuthPing());
        return folder;
    }

    public const string TokenParameter = """[ { "name": "token", "label": "API token", "type": "password", "required": true } ]""";

    public const string ClientParameters = """
    [ { "name": "clientId", "label": "Client ID", "type": "text", "required": true },
      { "name": "clientSecret", "label": "Client secret", "type": "password", "required": true } ]
    """;
}
