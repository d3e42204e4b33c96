using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// A canary secret in a connection, echoed back by a vendor stub, decoded, logged and put in a fault by the
/// flows that use it: not one occurrence, in any form it travels in, reaches the database files, an API
/// answer, an export or the server's output.
/// </summary>
public sealed class SecretCanarySpecs
{
    private readonly string _canary = "cnry" + Guid.NewGuid().ToString("N");

    private string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private string[] Forms =>
    [
        _canary, Base64(_canary), Base64(_canary).TrimEnd('='), Base64("admin:" + _canary), Uri.EscapeDataString("admin:" + _canary),
        "Bearer " + _canary,
    ];

    [Fact]
    public async Task A_canary_secret_never_reaches_the_database_the_api_the_exports_or_the_logs()
    {
        await using var vendor = await EchoVendor.StartAsync();
        var flows = Temp.Folder("flows");
        WriteConnector(Path.Combine(flows, "echo"), vendor.Address);
        await File.WriteAllTextAsync(Path.Combine(flows, "canary-echo.flow.json"), CallerFlow("canary-echo", "echo", fail: false));
        await File.WriteAllTextAsync(Path.Combine(flows, "canary-fail.flow.json"), CallerFlow("canary-fail", "echoAndFail", fail: false));
        await File.WriteAllTextAsync(Path.Combine(flows, "canary-transform.flow.json"), CallerFlow("canary-transform", "echo", fail: true));
        await using var server = await ServerProcess.StartAsync(flows, new Dictionary<string, string>
        {
            // The vendor stub listens on loopback, which a server's network policy may refuse by default.
            ["FlowConnectors__Network__AllowedHosts__0"] = "127.0.0.1",
        });
        var answers = new List<string>();
        using (var installed = await server.Client.GetAsync("api/connectors/echo"))
            installed.StatusCode.ShouldBe(HttpStatusCode.OK, string.Join('\n', server.Output.Where(l => l.Contains("echo", StringComparison.Ordinal))));

        var connection = await SendAsync(server, answers, HttpMethod.Post, "api/connections",
            $$"""{ "connector": "echo", "name": "Echo", "values": { "username": "admin", "password": "{{_canary}}" } }""", HttpStatusCode.Created);
        var connectionId = (string)connection["id"]!;
        var input = $$"""{ "inputs": { "connection": "{{connectionId}}" } }""";

        var echoed = await SendAsync(server, answers, HttpMethod.Post, "api/flows/canary-echo/run", input, HttpStatusCode.OK);
        ((string?)echoed["status"]).ShouldBe("finished", echoed.ToJsonString());
        var failed = await SendAsync(server, answers, HttpMethod.Post, "api/flows/canary-fail/run", input, HttpStatusCode.OK);
        ((string?)failed["status"]).ShouldBe("faulted", failed.ToJsonString());
        var transformed = await SendAsync(server, answers, HttpMethod.Post, "api/flows/canary-transform/run", input, HttpStatusCode.OK);
        ((string?)transformed["status"]).ShouldBe("faulted", transformed.ToJsonString());
        var later = await SendAsync(server, answers, HttpMethod.Post, "api/flows/canary-echo/run",
            $$"""{ "inputs": { "connection": "{{connectionId}}" }, "mode": "async" }""", HttpStatusCode.Accepted);
        await WaitUntilEndedAsync(server, (string)later["instanceId"]!);
        // The vendor did receive the credential: the canary travelled, and was masked everywhere after.
        vendor.Authorizations.ShouldContain("Basic " + Base64("admin:" + _canary));
        await SendAsync(server, answers, HttpMethod.Post, $"api/connections/{connectionId}/test", null, HttpStatusCode.OK);

        var instances = await SendAsync(server, answers, HttpMethod.Get, "api/instances", null, HttpStatusCode.OK);
        foreach (var id in InstanceIds(instances))
        {
            await SendAsync(server, answers, HttpMethod.Get, $"api/instances/{id}", null, HttpStatusCode.OK);
            await SendAsync(server, answers, HttpMethod.Get, $"api/instances/{id}/journal", null, HttpStatusCode.OK);
        }
        foreach (var status in (string[])["finished", "faulted"])
            await SendAsync(server, answers, HttpMethod.Get, $"api/instances?status={status}", null, HttpStatusCode.OK);
        foreach (var path in (string[])["api/connections", $"api/connections/{connectionId}", "api/flows", "api/flows/canary-echo",
                     "api/connectors/echo", "api/connectors/echo/source", "api/catalog/export/echo"])
            answers.Add(await GetTextAsync(server, path));
        answers.Count.ShouldBeGreaterThan(10);
        answers.ShouldContain(a => a.Contains("***", StringComparison.Ordinal), "the echoed credential shows masked somewhere");

        await server.StopAsync();
        foreach (var answer in answers) ShouldHoldNoForm(answer, "an API answer");
        ShouldHoldNoForm(string.Join('\n', server.Output), "the server's output");
        foreach (var file in Directory.EnumerateFiles(server.DataFolder, "*", SearchOption.AllDirectories))
            ShouldHoldNoForm(Encoding.UTF8.GetString(await File.ReadAllBytesAsync(file)), file);
    }

    private void ShouldHoldNoForm(string text, string where)
    {
        foreach (var form in Forms) text.Contains(form, StringComparison.Ordinal).ShouldBeFalse($"{where} holds '{form}'");
    }

    private static IEnumerable<string> InstanceIds(JsonNode list)
    {
        var items = list as JsonArray ?? list["items"] as JsonArray ?? [];
        return items.Select(i => (string?)i?["instanceId"] ?? (string?)i?["id"]).OfType<string>();
    }

    private static async Task<JsonNode> SendAsync(ServerProcess server, List<string> answers, HttpMethod method, string path, string? body, HttpStatusCode expected)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        using var response = await server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        answers.Add(text);
        response.StatusCode.ShouldBe(expected, $"{method} {path}: {text}");
        return JsonNode.Parse(text)!;
    }

    private static async Task<string> GetTextAsync(ServerProcess server, string path)
    {
        using var response = await server.Client.GetAsync(path);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        // The catalog export packs and validates the connector; whatever it answers is searched.
        if (!path.StartsWith("api/catalog/", StringComparison.Ordinal))
            response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {(int)response.StatusCode}");
        if (response.Content.Headers.ContentType?.MediaType is not "application/zip") return Encoding.UTF8.GetString(bytes);
        // A package: the text of every file in it.
        using var zip = new System.IO.Compression.ZipArchive(new MemoryStream(bytes));
        var text = new StringBuilder();
        foreach (var entry in zip.Entries)
        {
            using var reader = new StreamReader(entry.Open());
            text.AppendLine(await reader.ReadToEndAsync());
        }
        return text.ToString();
    }

    private static async Task WaitUntilEndedAsync(ServerProcess server, string instanceId)
    {
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while ((string?)(await server.GetJsonAsync($"api/instances/{instanceId}"))["status"] is not ("finished" or "faulted" or "cancelled"))
        {
            if (DateTime.UtcNow > until) throw new TimeoutException($"instance {instanceId} did not end");
            await Task.Delay(100);
        }
    }

    /// <summary>A connector with Basic auth whose cards echo what the vendor saw, decode it, log it and fail with it.</summary>
    private static void WriteConnector(string folder, string baseUrl)
    {
        Directory.CreateDirectory(Path.Combine(folder, "flows"));
        File.WriteAllText(Path.Combine(folder, "connector.json"), $$"""
            { "key": "echo", "name": "Echo", "version": "1.0.0", "description": "Echoes what it receives.",
              "baseUrl": "{{baseUrl}}",
              "auth": { "kind": "basic", "usernameParameter": "username", "passwordParameter": "password" },
              "connectionParameters": [
                { "name": "username", "label": "User name", "type": "text", "required": true },
                { "name": "password", "label": "Password", "type": "password", "required": true } ] }
            """);
        // Every connector has the standard HTTP helper; the sample ServiceNow connector's is generic.
        File.Copy(Path.Combine(Repo.Root, "flows", "servicenow", "flows", "httpHelper.flow.json"), Path.Combine(folder, "flows", "httpHelper.flow.json"));
        File.WriteAllText(Path.Combine(folder, "flows", "_authping.flow.json"), """
            { "format": 1, "id": "_authping", "name": "Test connection",
              "nodes": [ { "id": "send", "type": "Http.SendRequest", "inputs": { "url": "/echo", "method": "POST", "useConnection": true, "body": { "ping": true } } },
                         { "id": "log", "type": "Log", "inputs": { "message": { "js": "'ping saw ' + nodes.send.body.authorization" } } } ],
              "connections": [ { "from": "send:2xx", "to": "log" } ] }
            """);
        foreach (var (id, fail) in new[] { ("echo", false), ("echoAndFail", true) })
            File.WriteAllText(Path.Combine(folder, "flows", id + ".flow.json"), $$"""
                { "format": 1, "id": "{{id}}", "name": "{{id}}",
                  "outputs": [ { "name": "authorization", "type": "string" }, { "name": "decoded", "type": "string" }, { "name": "body", "type": "any" } ],
                  "nodes": [
                    { "id": "send", "type": "Http.SendRequest", "inputs": { "url": "/echo", "method": "POST", "useConnection": true,
                        "body": { "note": "hello", "copy": { "js": "'see attached'" } } } },
                    { "id": "decode", "type": "RunJavaScript", "inputs": { "code": "return base64.decode(nodes.send.body.authorization.substring(6));" } },
                    { "id": "log", "type": "Log", "inputs": { "message": { "js": "'vendor saw ' + nodes.send.body.authorization + ' = ' + nodes.decode.result" } } },
                    {{(fail ? FailCardEnd : ReturnCardEnd)}} ],
                  "connections": [ { "from": "send:2xx", "to": "decode" }, { "from": "decode:done", "to": "log" }, { "from": "log:done", "to": "end" } ],
                  "card": { "kind": "action", "label": "{{id}}", "description": "Echoes the request." } }
                """);
    }

    private const string ReturnCardEnd = """
        { "id": "end", "type": "Return", "inputs": { "outputs": {
            "authorization": { "js": "nodes.send.body.authorization" }, "decoded": { "js": "nodes.decode.result" }, "body": { "js": "nodes.send.body" } } } }
        """;

    private const string FailCardEnd = """
        { "id": "end", "type": "Fail", "inputs": { "message": { "js": "'vendor rejected ' + nodes.decode.result + ' (' + nodes.send.body.authorization + ')'" } } }
        """;

    private const string OutputCallerEnd = """
        { "id": "end", "type": "SetOutput", "inputs": { "name": "card", "value": { "js": "nodes.card.outputs" } } }
        """;

    private const string FailCallerEnd = """
        { "id": "end", "type": "Fail", "inputs": { "message": { "js": "'card said ' + vars.seen + ' / ' + base64.encode(nodes.card.outputs.decoded)" } } }
        """;

    /// <summary>An automation running a card, then (with <paramref name="fail"/>) transforming and failing with what came back.</summary>
    private static string CallerFlow(string id, string card, bool fail) => $$"""
        { "format": 1, "id": "{{id}}",
          "inputs": [ { "name": "connection", "type": "string", "required": true } ],
          "outputs": [ { "name": "card", "type": "any" } ],
          "variables": [ { "name": "seen", "type": "string" } ],
          "nodes": [
            { "id": "card", "type": "Connector.Action", "inputs": { "connector": "echo", "action": "{{card}}", "connection": { "js": "input.connection" } } },
            { "id": "keep", "type": "SetVariable", "inputs": { "name": "seen", "value": { "js": "JSON.stringify(nodes.card.outputs)" } } },
            {{(fail ? FailCallerEnd : OutputCallerEnd)}} ],
          "connections": [ { "from": "card:done", "to": "keep" }, { "from": "keep:done", "to": "end" } ] }
        """;

    /// <summary>A vendor on 127.0.0.1 that answers every request with its Authorization header and its body.</summary>
    private sealed class EchoVendor : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private EchoVendor(WebApplication app) => _app = app;

        public string Address => _app.Urls.First();
        public System.Collections.Concurrent.ConcurrentBag<string> Authorizations { get; } = [];

        public static async Task<EchoVendor> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var vendor = new EchoVendor(app);
            app.Run(async context =>
            {
                var authorization = context.Request.Headers.Authorization.ToString();
                vendor.Authorizations.Add(authorization);
                using var reader = new StreamReader(context.Request.Body);
                var body = await reader.ReadToEndAsync();
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(new JsonObject { ["authorization"] = authorization, ["body"] = body }.ToJsonString());
            });
            await app.StartAsync();
            return vendor;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
