namespace FlowConnectors.Reliability.Tests;

/// <summary>The flows the durability specs run, written into a server's flows folder.</summary>
internal static class DurabilityFlows
{
    /// <summary>Loopback stubs are allowed explicitly (the SSRF guard blocks loopback by default).</summary>
    public static Dictionary<string, string> Settings(params (string Key, string Value)[] extra)
    {
        var settings = new Dictionary<string, string> { ["FlowConnectors__Network__AllowedHosts__0"] = "127.0.0.1" };
        foreach (var (key, value) in extra) settings[key] = value;
        return settings;
    }

    public static string Folder(params (string Id, string Json)[] flows)
    {
        var folder = Temp.Folder("flows");
        foreach (var (id, json) in flows) File.WriteAllText(Path.Combine(folder, id + ".flow.json"), json);
        return folder;
    }

    /// <summary>A POST of <c>{ key, phase, callbackUrl? }</c> to the stub with the Idempotency-Key <c>{key}:{phase}</c>.</summary>
    private static string Post(string id, string effectUrl, string phase, string? callbackUrlJs = null) => $$"""
        {
          "id": "{{id}}",
          "type": "Http.SendRequest",
          "inputs": {
            "method": "POST",
            "url": "{{effectUrl}}",
            "idempotencyKey": { "js": "input.key + ':{{phase}}'" },
            "body": { "js": "({ key: input.key, phase: '{{phase}}'{{(callbackUrlJs is null ? "" : ", callbackUrl: " + callbackUrlJs)}} })" }
          }
        }
        """;

    private static string Flow(string id, string nodes, string connections) => $$"""
        {
          "format": 1,
          "id": "{{id}}",
          "inputs": [ { "name": "key", "type": "string", "required": true } ],
          "nodes": [ {{nodes}} ],
          "connections": [ {{connections}} ]
        }
        """;

    /// <summary>before → Delay → after.</summary>
    public static (string, string) Delay(string effectUrl, string duration = "00:00:02") => ("crash-delay", Flow("crash-delay",
        Post("before", effectUrl, "before") + $$""", { "id": "pause", "type": "Delay", "inputs": { "duration": "{{duration}}" } }, """ + Post("after", effectUrl, "after"),
        """{ "from": "before:2xx", "to": "pause" }, { "from": "pause:done", "to": "after" }"""));

    /// <summary>before → Wait for Event (name <c>crash-go</c>, correlation id = key) → after.</summary>
    public static (string, string) Event(string effectUrl) => ("crash-event", Flow("crash-event",
        Post("before", effectUrl, "before") + """, { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "crash-go", "correlationId": { "js": "input.key" } } }, """ + Post("after", effectUrl, "after"),
        """{ "from": "before:2xx", "to": "wait" }, { "from": "wait:done", "to": "after" }"""));

    /// <summary>Create Callback → before (hands the URL to the stub) → Wait for Callback → after.</summary>
    public static (string, string) Callback(string effectUrl) => ("crash-callback", Flow("crash-callback",
        """{ "id": "cb", "type": "CreateCallback", "inputs": {} }, """ + Post("before", effectUrl, "before", "nodes.cb.url")
        + """, { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" } } }, """ + Post("after", effectUrl, "after"),
        """{ "from": "cb:done", "to": "before" }, { "from": "before:2xx", "to": "wait" }, { "from": "wait:received", "to": "after" }"""));

    /// <summary>
    /// Computes for <paramref name="stepMs"/> ms per step, for ever (a self-loop after its entry): the entry is an
    /// HTTP endpoint on <paramref name="hookPath"/> or <c>start</c>, then, with <paramref name="effectUrl"/>, a POST
    /// that marks each run's start.
    /// </summary>
    public static (string, string) Spin(string id, string? effectUrl = null, int stepMs = 300, string? hookPath = null)
    {
        var nodes = new List<string>
        {
            hookPath is null
                ? """{ "id": "start", "type": "NoOp", "inputs": {} }"""
                : $$"""{ "id": "start", "type": "Http.Endpoint", "inputs": { "path": "{{hookPath}}", "methods": [ "POST" ] } }""",
        };
        var connections = new List<string>();
        if (effectUrl is not null)
        {
            nodes.Add($$"""
                {
                  "id": "started",
                  "type": "Http.SendRequest",
                  "inputs": { "method": "POST", "url": "{{effectUrl}}", "idempotencyKey": { "js": "'{{id}}:' + Date.now() + ':' + Math.random()" }, "body": { "js": "({ key: '{{id}}' })" } }
                }
                """);
            connections.Add("""{ "from": "start:done", "to": "started" }""");
            connections.Add("""{ "from": "started:2xx", "to": "spin" }""");
        }
        else
        {
            connections.Add("""{ "from": "start:done", "to": "spin" }""");
        }
        nodes.Add($$"""
            { "id": "spin", "type": "RunJavaScript", "inputs": { "code": "const end = Date.now() + {{stepMs}}; let n = 0; while (Date.now() < end) { n++; } return n;" } }
            """);
        connections.Add("""{ "from": "spin:done", "to": "spin" }""");
        return (id, $$"""
            {
              "format": 1,
              "id": "{{id}}",
              "nodes": [ {{string.Join(", ", nodes)}} ],
              "connections": [ {{string.Join(", ", connections)}} ]
            }
            """);
    }
}
