using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Benchmarks;

/// <summary>
/// A connector action end to end against the same request done by hand. The action flow
/// <c>getIncident</c> calls the sample ServiceNow <c>httpHelper</c> (CallFlow → Http.SendRequest with
/// the connection's basic auth) and maps the response with a RunJavaScript transform. The baseline
/// sends the same GET with a plain, reused <see cref="HttpClient"/>, parses the body with
/// <see cref="JsonNode.Parse(ReadOnlySpan{byte}, JsonNodeOptions?, System.Text.Json.JsonDocumentOptions)"/>
/// and builds the same four-field object in C#. A third row sends it through a named client
/// registered with <see cref="HttpServices.AddFlowHttpClient"/> and the connector's resilience settings,
/// so the resilience pipeline's share can be told apart from the engine's. Every row calls one
/// Kestrel server on 127.0.0.1 in this process that answers with a fixed ~1 KB incident.
/// </summary>
[BenchJob]
[MemoryDiagnoser]
public class ConnectorBenchmarks
{
    private const string ConnectorKey = "bench-servicenow";
    private const string ConnectionId = "bench-connection";
    private const string FlowId = "getIncident";
    private const string IncidentId = "9d385017c611228701d22104cc95c371";
    private const string UserName = "bench.user";
    private const string Password = "s3cret-p@ss";
    private const string ResilientClient = "bench-resilient";

    private WebApplication _server = null!;
    private string _baseUrl = null!;
    private string _tempDir = null!;
    private ConnectorRuntime _journalOn = null!;
    private ConnectorRuntime _journalOff = null!;
    private JsonObject _inputs = null!;
    private HttpClient _raw = null!;
    private ServiceProvider _httpServices = null!;
    private IHttpClientFactory _factory = null!;

    /// <summary>Bytes of the response body every request gets.</summary>
    public static int ResponseBytes => Incident.Length;

    [GlobalSetup]
    public void Setup() => SetupAsync().GetAwaiter().GetResult();

    private async Task SetupAsync()
    {
        _server = await StartServerAsync();
        _baseUrl = _server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');

        _tempDir = Path.Combine(Path.GetTempPath(), "flowconnectors-bench-" + Guid.NewGuid().ToString("N"));
        WriteConnector(_tempDir, _baseUrl);
        var (package, problems) = ConnectorPackage.Load(_tempDir, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() }));
        if (package is null)
            throw new InvalidOperationException("the benchmark connector does not load: " + string.Join("; ", problems.Select(p => $"{p.File} {p.Path} {p.Code} {p.Message}")));
        _journalOn = await CreateRuntimeAsync(package, journal: true);
        _journalOff = await CreateRuntimeAsync(package, journal: false);
        _inputs = new JsonObject { ["id"] = IncidentId };

        _raw = new HttpClient(new SocketsHttpHandler
        {
            // The same primary handler settings as AddFlowHttpClient, without the resilience pipeline.
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        });
        _httpServices = new ServiceCollection()
            .AddFlowHttpClient(ResilientClient, HttpResilienceSettings.Default with { MaxRetries = 3, AttemptTimeout = TimeSpan.FromSeconds(30) })
            .BuildServiceProvider();
        _factory = _httpServices.GetRequiredService<IHttpClientFactory>();

        // A broken benchmark measures nothing: every row must produce the same four fields.
        var expected = await RawHttpClient();
        CheckSame("resilient named client", expected, await ResilientNamedClient());
        foreach (var (name, run) in new[] { ("journal on", await ConnectorJournalOn()), ("journal off", await ConnectorJournalOff()) })
        {
            if (run.Status != FlowStatus.Finished) throw new InvalidOperationException($"connector run ({name}) ended {run.Status}: {run.Fault}");
            CheckSame("connector, " + name, expected, run.OutputsAsJson());
        }
        var unauthorized = await _raw.GetAsync(_baseUrl + "/api/now/table/incident/" + IncidentId);
        if (unauthorized.StatusCode != HttpStatusCode.Unauthorized) throw new InvalidOperationException("the server must refuse requests without credentials");
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _journalOn.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _journalOff.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _httpServices.Dispose();
        _raw.Dispose();
        _server.StopAsync().GetAwaiter().GetResult();
        _server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        Directory.Delete(_tempDir, recursive: true);
    }

    [Benchmark(Baseline = true, Description = "raw HttpClient + JsonNode.Parse + C# mapping")]
    public Task<JsonObject> RawHttpClient() => SendAndMapAsync(_raw);

    [Benchmark(Description = "HttpClient via AddFlowHttpClient (resilience pipeline)")]
    public Task<JsonObject> ResilientNamedClient() => SendAndMapAsync(_factory.CreateClient(ResilientClient));

    [Benchmark(Description = "connector action getIncident, journal on")]
    public Task<FlowRunResult> ConnectorJournalOn() => _journalOn.Actions.RunFlowAsync(ConnectorKey, FlowId, ConnectionId, _inputs);

    [Benchmark(Description = "connector action getIncident, journal off")]
    public Task<FlowRunResult> ConnectorJournalOff() => _journalOff.Actions.RunFlowAsync(ConnectorKey, FlowId, ConnectionId, _inputs);

    /// <summary>What the connector does, written by hand: same URL, headers, parse and mapping.</summary>
    private async Task<JsonObject> SendAndMapAsync(HttpClient client)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, _baseUrl + "/api/now/table/incident/" + Uri.EscapeDataString(IncidentId));
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}")));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        var body = await response.Content.ReadAsByteArrayAsync();
        var result = JsonNode.Parse(body)!["result"]!;
        return new JsonObject
        {
            ["number"] = (string?)result["number"],
            ["short_description"] = (string?)result["short_description"],
            ["priority"] = (string?)result["priority"],
            ["state"] = (string?)result["state"],
        };
    }

    private static void CheckSame(string name, JsonObject expected, JsonObject actual)
    {
        if (!JsonNode.DeepEquals(expected, actual) || expected.Count != 4 || (string?)expected["number"] != "INC0010042")
            throw new InvalidOperationException($"{name} returned {actual.ToJsonString()}, expected {expected.ToJsonString()}");
    }

    private static async Task<ConnectorRuntime> CreateRuntimeAsync(ConnectorPackage package, bool journal)
    {
        var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions { Connections = new InMemoryConnectionStore(), Journal = journal });
        await runtime.Connections.CreateConnectionAsync(ConnectorKey, "bench", new Dictionary<string, string> { ["username"] = UserName, ["password"] = Password }, ConnectionId);
        return runtime;
    }

    private static async Task<WebApplication> StartServerAsync()
    {
        // No configuration reload: it watches the content root (the working folder) and counted every file change
        // there (a build beside the benchmark, a busy /tmp) in the allocation and CPU of whichever row was running.
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = ["--hostBuilder:reloadConfigOnChange=false"] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        app.Urls.Add("http://127.0.0.1:0");
        var expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes($"{UserName}:{Password}"));
        app.MapGet("/api/now/table/incident/{id}", async (HttpContext context) =>
        {
            if (context.Request.Headers.Authorization != expectedAuthorization)
            {
                context.Response.StatusCode = StatusCodes.Status401Unauthorized;
                context.Response.Headers.WWWAuthenticate = "Basic realm=\"Service-now\"";
                return;
            }
            context.Response.ContentType = "application/json;charset=UTF-8";
            context.Response.ContentLength = Incident.Length;
            await context.Response.Body.WriteAsync(Incident);
        });
        await app.StartAsync();
        return app;
    }

    private static void WriteConnector(string directory, string baseUrl)
    {
        Directory.CreateDirectory(Path.Combine(directory, "flows"));
        var manifest = new JsonObject
        {
            ["key"] = ConnectorKey,
            ["name"] = "ServiceNow (benchmark)",
            ["version"] = "1.0.0",
            ["description"] = "Reads incidents from a local server.",
            // The Kestrel address itself, not a placeholder rewritten at run time.
            ["baseUrl"] = baseUrl,
            ["auth"] = new JsonObject { ["kind"] = "basic", ["usernameParameter"] = "username", ["passwordParameter"] = "password" },
            ["connectionParameters"] = new JsonArray(
                new JsonObject { ["name"] = "username", ["label"] = "User name", ["type"] = "text", ["required"] = true },
                new JsonObject { ["name"] = "password", ["label"] = "Password", ["type"] = "password", ["required"] = true }),
            ["http"] = new JsonObject { ["maxRetries"] = 3, ["attemptTimeout"] = "00:00:30" },
        };
        File.WriteAllText(Path.Combine(directory, ManifestReader.FileName), manifest.ToJsonString());
        foreach (var name in new[] { "httpHelper", "_authping" })
        {
            using var resource = typeof(ConnectorBenchmarks).Assembly.GetManifestResourceStream($"servicenow.{name}.flow.json")
                                 ?? throw new InvalidOperationException($"embedded {name}.flow.json is missing");
            using var file = File.Create(Path.Combine(directory, "flows", name + ".flow.json"));
            resource.CopyTo(file);
        }
        File.WriteAllText(Path.Combine(directory, "flows", FlowId + ".flow.json"), GetIncidentFlow);
    }

    /// <summary>input id → CallFlow httpHelper GET → RunJavaScript mapping body.result → Return.</summary>
    private const string GetIncidentFlow = """
        {
          "format": 1,
          "id": "getIncident",
          "name": "Get Incident",
          "inputs": [
            { "name": "id", "type": "string", "label": "Sys ID", "required": true }
          ],
          "outputs": [
            { "name": "number", "type": "string" },
            { "name": "short_description", "type": "string" },
            { "name": "priority", "type": "string" },
            { "name": "state", "type": "string" }
          ],
          "nodes": [
            {
              "id": "call",
              "type": "CallFlow",
              "inputs": {
                "flowId": "httpHelper",
                "inputs": {
                  "relative_url": { "js": "'/api/now/table/incident/' + url.encode(input.id)" },
                  "request_method": "GET"
                }
              }
            },
            {
              "id": "map",
              "type": "RunJavaScript",
              "inputs": {
                "code": "const response = nodes.call.outputs; if (response.status_code !== 200) throw new Error('HTTP ' + response.status_code); const r = response.body.result; return { number: r.number, short_description: r.short_description, priority: r.priority, state: r.state };"
              }
            },
            {
              "id": "done",
              "type": "Return",
              "inputs": { "outputs": { "js": "nodes.map.result" } }
            }
          ],
          "connections": [
            { "from": "call:done", "to": "map" },
            { "from": "map:done", "to": "done" }
          ],
          "card": { "kind": "action", "label": "Get Incident", "description": "Reads an incident by sys_id." }
        }
        """;

    /// <summary>A realistic ServiceNow Table API answer for one incident (about 1 KB).</summary>
    private static readonly byte[] Incident = Encoding.UTF8.GetBytes(new JsonObject
    {
        ["result"] = new JsonObject
        {
            ["sys_id"] = IncidentId,
            ["number"] = "INC0010042",
            ["short_description"] = "Email server not responding for the Sales team",
            ["description"] = "Since 08:15 users in the Sales department cannot send or receive email. Outlook shows 'Disconnected'. Webmail works.",
            ["state"] = "2",
            ["priority"] = "2",
            ["impact"] = "2",
            ["urgency"] = "1",
            ["severity"] = "3",
            ["category"] = "software",
            ["subcategory"] = "email",
            ["active"] = "true",
            ["opened_at"] = "2026-11-20 08:21:37",
            ["sys_created_on"] = "2026-11-20 08:21:37",
            ["sys_updated_on"] = "2026-11-20 09:02:11",
            ["sys_created_by"] = "abel.tuter",
            ["sys_updated_by"] = "beth.anglin",
            ["sys_mod_count"] = "4",
            ["caller_id"] = new JsonObject { ["link"] = "https://dev12345.service-now.com/api/now/table/sys_user/62826bf03710200044e0bfc8bcbe5df1", ["value"] = "62826bf03710200044e0bfc8bcbe5df1" },
            ["assignment_group"] = new JsonObject { ["link"] = "https://dev12345.service-now.com/api/now/table/sys_user_group/287ebd7da9fe198100f92cc8d1d2154e", ["value"] = "287ebd7da9fe198100f92cc8d1d2154e" },
            ["assigned_to"] = new JsonObject { ["link"] = "https://dev12345.service-now.com/api/now/table/sys_user/46d44a23a9fe19810012d100cca80666", ["value"] = "46d44a23a9fe19810012d100cca80666" },
            ["contact_type"] = "phone",
            ["escalation"] = "0",
            ["reassignment_count"] = "1",
        },
    }.ToJsonString());
}
