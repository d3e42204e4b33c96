using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// Flows that used to end the server process (a script's native stack overflow) or cost it gigabytes: against
/// a real server, each is a faulted instance with a clear reason, synchronous or not, and the server stays up.
/// Both specs run against one server process (<see cref="BombServer"/>): it has to survive every bomb twice.
/// </summary>
public sealed class ScriptBombSpecs(ScriptBombSpecs.BombServer bombs) : IClassFixture<ScriptBombSpecs.BombServer>
{
    private static string JsFlow(string id, string code) => $$"""
        { "format": 1, "id": "{{id}}",
          "nodes": [ { "id": "bomb", "type": "RunJavaScript", "inputs": { "code": {{JsonSerializer.Serialize(code)}} } } ], "connections": [] }
        """;

    private static string TemplateFlow(string id, string template) => $$"""
        { "format": 1, "id": "{{id}}",
          "nodes": [ { "id": "bomb", "type": "Template", "inputs": { "template": {{JsonSerializer.Serialize(template)}} } } ], "connections": [] }
        """;

    private static readonly (string Id, string Json, string Reason)[] Bombs =
    [
        ("stringify-deep", JsFlow("stringify-deep", "let o = {}; for (let i = 0; i < 20000; i++) o = { a: o }; return JSON.stringify(o).length;"),
            "Maximum call stack size exceeded"),
        ("string-deep", JsFlow("string-deep", "let a = [1]; for (let i = 0; i < 5000; i++) a = [a]; return String(a).length;"),
            "recursed deeper than the limit of 256 calls"),
        // 60,000 deep: flat(Infinity) reaches the stack guard between 15,000 and 20,000 levels on the server's thread-pool
        // threads (measured), so this is three times what the stack holds. The engine's own test nests 200,000 deep on any
        // thread with a one-minute limit; here the server's 2000 ms limit applies, and merely building 200,000 nested arrays
        // ran past it at a load average of 46 (the script then faulted with the time limit instead of the stack guard).
        ("flat-deep", JsFlow("flat-deep", "let a = []; for (let i = 0; i < 60000; i++) a = [a]; return a.flat(Infinity).length;"),
            "Maximum call stack size exceeded"),
        // 200 references to a 1 MiB string: 200 MiB of JSON, refused by its estimate before any of it is written. (With a
        // 10 MiB string the script itself allocated 20 MB first, and at a load average of 30 it once ran past the 2000 ms
        // limit before the guard was reached, so the spec failed with the time limit's reason instead.)
        ("stringify-huge", JsFlow("stringify-huge", "const s = 'x'.repeat(1024 * 1024); return JSON.stringify(Array(200).fill(s)).length;"),
            "JSON.stringify would produce a string over the limit of 10,485,760 characters"),
        ("template-regex", TemplateFlow("template-regex", "{{ \"" + new string('a', 40) + "b\" | regex.match \"^(a+)+$\" }}"),
            "template ran longer than the 2000 ms limit (in a regular expression)"),
    ];

    private static async Task<ServerProcess> StartWithBombsAsync()
    {
        var flows = Temp.Folder("flows");
        foreach (var (id, json, _) in Bombs) await File.WriteAllTextAsync(Path.Combine(flows, id + ".flow.json"), json);
        return await ServerProcess.StartAsync(flows);
    }

    [Fact]
    public async Task Each_bomb_run_synchronously_faults_with_its_reason_and_the_server_stays_up()
    {
        var server = bombs.Server;

        foreach (var (id, _, reason) in Bombs)
        {
            using var response = await server.Client.PostAsync($"api/flows/{id}/run", Json("""{ "inputs": {} }"""));
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"{id}: {text}");
            var body = JsonNode.Parse(text)!;
            ((string?)body["status"]).ShouldBe("faulted", $"{id}: {text}");
            ((string?)body["fault"]!["nodeId"]).ShouldBe("bomb");
            ((string?)body["fault"]!["message"]).ShouldNotBeNull().ShouldContain(reason, Case.Sensitive, $"{id}: {text}");
            await ShouldBeUpAsync(server, id);
        }
    }

    [Fact]
    public async Task Each_bomb_run_as_an_async_instance_is_faulted_with_its_reason_and_the_server_stays_up()
    {
        var server = bombs.Server;

        foreach (var (id, _, reason) in Bombs)
        {
            using var response = await server.Client.PostAsync($"api/flows/{id}/run", Json("""{ "inputs": {}, "mode": "async" }"""));
            var text = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.Accepted, $"{id}: {text}");
            var instanceId = (string)JsonNode.Parse(text)!["instanceId"]!;

            var instance = await WaitUntilEndedAsync(server, instanceId);
            ((string?)instance["status"]).ShouldBe("faulted", $"{id}: {instance.ToJsonString()}");
            ((string?)instance["fault"]!["message"]).ShouldNotBeNull().ShouldContain(reason, Case.Sensitive);
            await ShouldBeUpAsync(server, id);
        }
    }

    private static async Task<JsonNode> WaitUntilEndedAsync(ServerProcess server, string instanceId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            server.HasExited.ShouldBeFalse($"the server died while instance {instanceId} ran");
            var instance = await server.GetJsonAsync($"api/instances/{instanceId}");
            if ((string?)instance["status"] is "faulted" or "finished" or "cancelled") return instance;
            if (DateTime.UtcNow > until) throw new TimeoutException($"instance {instanceId} did not end: {instance.ToJsonString()}");
            await Task.Delay(100);
        }
    }

    private static async Task ShouldBeUpAsync(ServerProcess server, string after)
    {
        server.HasExited.ShouldBeFalse($"the server died running {after}");
        using var probe = await server.Client.GetAsync("api/flows");
        probe.StatusCode.ShouldBe(HttpStatusCode.OK, $"after {after}");
    }

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    /// <summary>One server process with every bomb flow, for both specs.</summary>
    public sealed class BombServer : IAsyncLifetime
    {
        internal ServerProcess Server { get; private set; } = null!;

        public async Task InitializeAsync() => Server = await StartWithBombsAsync();

        public async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
