using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// Bad input against a real server process: every operation of its OpenAPI document, plus the hooks, callbacks,
/// webhooks and OAuth callback, gets each class of hostile input. Bad input is the client's mistake: a 4xx
/// problem detail, never a 500, a hang, a reset, a stack trace or a dead process.
/// </summary>
public sealed partial class FuzzSpecs(FuzzSpecs.FuzzServer fixture) : IClassFixture<FuzzSpecs.FuzzServer>
{
    public static TheoryData<string> Classes => new(["hostile-ids", .. FuzzBodies.Classes]);

    [Theory]
    [MemberData(nameof(Classes))]
    public Task Bad_input_of_every_class_gets_a_4xx_problem_from_every_endpoint_and_the_server_stays_up(string fuzzClass) =>
        SendClassAsync(fixture, fuzzClass);

    internal static async Task SendClassAsync(FuzzServer fixture, string fuzzClass)
    {
        var server = fixture.Server;
        var operations = await fixture.OperationsAsync();
        var callbackToken = await fixture.WaitingCallbackTokenAsync();
        var requests = new List<FuzzRequest>();
        if (fuzzClass == "hostile-ids")
        {
            foreach (var operation in operations)
                foreach (var (parameter, _) in operation.Parameters)
                    foreach (var hostile in FuzzBodies.HostileSegments)
                        requests.Add(new(operation.Method, operation.Url(callbackToken, (parameter, hostile)), Plausible(operation.Method)));
            // The same values where bodies name ids: every id-like member at once.
            foreach (var operation in operations.Where(o => o.Method is "POST" or "PUT"))
                foreach (var hostile in FuzzBodies.HostileSegments)
                    requests.Add(new(operation.Method, operation.Url(callbackToken), FuzzBodies.WithIds(Uri.UnescapeDataString(hostile))));
            foreach (var hostile in FuzzBodies.HostileSegments)
            {
                requests.Add(new("POST", $"callbacks/{hostile}", Plausible("POST")));
                requests.Add(new("POST", $"callbacks/{callbackToken[..callbackToken.IndexOf('.')]}.{hostile}", Plausible("POST")));
                requests.Add(new("POST", $"webhooks/{hostile}", Plausible("POST")));
                requests.Add(new("POST", $"hooks/{hostile}", Plausible("POST")));
                requests.Add(new("POST", $"hooks/fuzz/echo?q={hostile}", Plausible("POST")));
                requests.Add(new("GET", $"oauth/callback?state={hostile}&code={hostile}&error={hostile}", null));
            }
        }
        else
        {
            foreach (var body in FuzzBodies.Of(fuzzClass))
            {
                foreach (var operation in operations)
                    requests.Add(new(operation.Method, operation.Url(callbackToken), body));
                foreach (var (method, url) in InboundTargets(callbackToken))
                    requests.Add(new(method, url, body));
            }
        }

        var failures = await SendAllAsync(server, requests);

        if (fuzzClass == "chunked-over-limit")
            foreach (var target in new[] { "hooks/fuzz/echo", "api/events", $"callbacks/{callbackToken}", "api/flows/echo/run" })
                foreach (var body in FuzzBodies.Of(fuzzClass).Where(b => b.ContentType == "application/json" || target.StartsWith("hooks/", StringComparison.Ordinal)))
                {
                    var (status, text) = await SendAsync(server, new FuzzRequest("POST", target, body));
                    if (status != 413) failures.Add($"POST {target} [{body}]: {status}, expected 413 — {Shorten(text)}");
                }
        server.HasExited.ShouldBeFalse($"the server died:\n{string.Join('\n', server.Output.TakeLast(40))}");
        using (var probe = await server.Client.GetAsync("api/flows")) probe.StatusCode.ShouldBe(HttpStatusCode.OK);
        failures.ShouldBeEmpty($"{failures.Count} of {requests.Count} '{fuzzClass}' requests failed:\n{string.Join('\n', failures.Take(40))}" +
            $"\nthe server's errors:\n{string.Join('\n', ServerErrors(server).TakeLast(60))}");
    }

    /// <summary>The endpoints outside the OpenAPI document that read bodies, most of them without the API key.</summary>
    private static IEnumerable<(string Method, string Url)> InboundTargets(string callbackToken) =>
    [
        ("POST", "hooks/fuzz/echo"), ("PUT", "hooks/fuzz/echo"), ("GET", "hooks/fuzz/echo"), ("POST", "hooks/nobody/listens"),
        ("POST", $"callbacks/{callbackToken}"), ("POST", "callbacks/unknown.token"), ("POST", "webhooks/fuzz-token"),
        ("GET", "oauth/callback?state=s&code=c"),
    ];

    private static FuzzBody? Plausible(string method) => method is "GET" or "DELETE" ? null : new FuzzBody("plausible", "{}"u8.ToArray());

    /// <summary>Sends every request (six at a time); returns what went wrong, one line per request.</summary>
    private static async Task<List<string>> SendAllAsync(ServerProcess server, IReadOnlyList<FuzzRequest> requests)
    {
        var failures = new ConcurrentQueue<string>();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = 6 }, async (request, _) =>
        {
            var (status, text) = await SendAsync(server, request);
            if (Failure(request, status, text) is { } failure) failures.Enqueue(failure);
        });
        return [.. failures.Order(StringComparer.Ordinal)];
    }

    /// <summary>The status and body; status 0 when the request failed (reset) or took longer than 30 s (hang), with the reason as the text.</summary>
    private static async Task<(int Status, string Text)> SendAsync(ServerProcess server, FuzzRequest request)
    {
        using var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
        if (request.Body is { } body) message.Content = body.ToContent();
        var client = request.Url.StartsWith("api/", StringComparison.Ordinal) ? server.Client : server.Anonymous;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            using var response = await client.SendAsync(message, timeout.Token);
            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            var type = response.Content.Headers.ContentType?.MediaType;
            return ((int)response.StatusCode, text.Length > 0 && (int)response.StatusCode >= 400 && type != "application/problem+json" && !request.Url.StartsWith("oauth/", StringComparison.Ordinal)
                ? $"not a problem detail ({type}): {text}"
                : text);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return (0, "no answer within 30 s");
        }
        catch (HttpRequestException e)
        {
            return (0, $"no answer: {e.Message} {e.InnerException?.Message}");
        }
    }

    private static string? Failure(FuzzRequest request, int status, string text)
    {
        var what = $"{request.Method} {Shorten(request.Url)} [{request.Body?.Name ?? "no body"}]";
        if (status == 0) return $"{what}: {text}";
        if (status >= 500 && status is not (502 or 503)) return $"{what}: {status} {Shorten(text)}";
        if (status >= 400 && text.StartsWith("not a problem detail", StringComparison.Ordinal)) return $"{what}: {status} {Shorten(text)}";
        if (status >= 400 && (text.Contains("   at ", StringComparison.Ordinal) || ExceptionName().IsMatch(text)))
            return $"{what}: {status} exposes an exception: {Shorten(text)}";
        if (status >= 400 && UnnamedError(text) is { } unnamed) return $"{what}: {status} has an error that {unnamed}: {Shorten(text)}";
        return null;
    }

    /// <summary>What is wrong with the problem's <c>errors</c> (each entry names its path and says what is wrong, as the OpenAPI document declares); null when nothing.</summary>
    private static string? UnnamedError(string text)
    {
        JsonNode? problem;
        try { problem = JsonNode.Parse(text); }
        catch (System.Text.Json.JsonException) { return null; }
        if (problem is not JsonObject { } body || body["errors"] is not { } errors) return null;
        if (errors is not JsonArray list) return "is not a list";
        foreach (var entry in list)
        {
            if (entry is not JsonObject item) return "is not an object";
            if (item["path"] is not JsonValue path || path.GetValueKind() != System.Text.Json.JsonValueKind.String) return "names no path";
            if (item["message"] is not JsonValue message || message.GetValueKind() != System.Text.Json.JsonValueKind.String) return "has no message";
        }
        return null;
    }

    /// <summary>What the server logged about its failures, so a 500 found by the fuzzer comes with its cause.</summary>
    private static IEnumerable<string> ServerErrors(ServerProcess server)
    {
        var inError = false;
        foreach (var line in server.Output)
        {
            if (line.StartsWith("fail:", StringComparison.Ordinal) || line.StartsWith("crit:", StringComparison.Ordinal)) inError = true;
            else if (line.Length > 5 && line[4] == ':' && !line.StartsWith(' ')) inError = false;
            if (inError) yield return line;
        }
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "…";

    [GeneratedRegex(@"\b(System\.[A-Za-z.]+|[A-Z][A-Za-z]*Exception)\b")]
    private static partial Regex ExceptionName();

    internal sealed record FuzzRequest(string Method, string Url, FuzzBody? Body);

    internal sealed record Operation(string Method, string Path, IReadOnlyList<(string Name, string In)> Parameters)
    {
        /// <summary>The URL with plausible values, except the parameter given a hostile one.</summary>
        public string Url(string callbackToken, (string Name, string Value)? hostile = null)
        {
            var path = Path.TrimStart('/');
            var query = new List<string>();
            foreach (var (name, where) in Parameters)
            {
                var value = hostile is { } h && h.Name == name ? h.Value : PlausibleValue(name);
                if (where == "path") path = path.Replace("{" + name + "}", value, StringComparison.Ordinal);
                else if (value.Length > 0) query.Add($"{name}={value}");
            }
            return query.Count == 0 ? path : $"{path}?{string.Join('&', query)}";

            string PlausibleValue(string name) => name switch
            {
                "id" when Path.StartsWith("/api/flows", StringComparison.Ordinal) => "echo",
                "id" => "fuzz1",
                "version" when Path.StartsWith("/api/flows", StringComparison.Ordinal) => "1",
                "version" => "1.0.0",
                "token" when Path.StartsWith("/callbacks", StringComparison.Ordinal) => callbackToken,
                "from" => "1",
                "to" => "2",
                "key" => "fuzz-key",
                "flowId" => "fuzz",
                "field" => "f",
                "requestId" => "r1",
                "token" => "fuzz-token",
                _ => "",
            };
        }
    }

    /// <summary>One server for all classes: flows with an HTTP endpoint and a callback, a 256 KiB body limit, SQLite.</summary>
    public class FuzzServer : IAsyncLifetime
    {
        private const string EchoFlow = """
            { "format": 1, "id": "echo", "outputs": [ { "name": "length", "type": "number" } ],
              "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "fuzz/echo", "methods": ["GET", "POST", "PUT", "PATCH", "DELETE"] } },
                         { "id": "out", "type": "SetOutput", "inputs": { "name": "length", "value": { "js": "JSON.stringify(nodes.hook.body ?? null).length" } } } ],
              "connections": [ { "from": "hook:done", "to": "out" } ] }
            """;

        private const string CallbackFlow = """
            { "format": 1, "id": "cb", "outputs": [ { "name": "url", "type": "string" }, { "name": "got", "type": "string" } ],
              "nodes": [ { "id": "create", "type": "CreateCallback" },
                         { "id": "url", "type": "SetOutput", "inputs": { "name": "url", "value": { "js": "nodes.create.url" } } },
                         { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.create.token" } } },
                         { "id": "got", "type": "SetOutput", "inputs": { "name": "got", "value": { "js": "JSON.stringify(nodes.wait.payload ?? null)" } } } ],
              "connections": [ { "from": "create:done", "to": "url" }, { "from": "url:done", "to": "wait" }, { "from": "wait:received", "to": "got" } ] }
            """;

        private IReadOnlyList<Operation>? _operations;

        internal ServerProcess Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var flows = Temp.Folder("flows");
            await File.WriteAllTextAsync(Path.Combine(flows, "echo.flow.json"), EchoFlow);
            await File.WriteAllTextAsync(Path.Combine(flows, "cb.flow.json"), CallbackFlow);
            var settings = new Dictionary<string, string>
            {
                ["FlowConnectors__MaxBodyBytes"] = FuzzBodies.MaxBodyBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            };
            await ConfigureAsync(settings);
            Server = await ServerProcess.StartAsync(flows, settings);
        }

        /// <summary>Further server settings (another database).</summary>
        protected virtual Task ConfigureAsync(IDictionary<string, string> settings) => Task.CompletedTask;

        /// <summary>Every operation of the server's OpenAPI document.</summary>
        internal async Task<IReadOnlyList<Operation>> OperationsAsync()
        {
            if (_operations is not null) return _operations;
            var document = await Server.GetJsonAsync("openapi/v1.json");
            var operations = new List<Operation>();
            foreach (var (path, item) in document["paths"]!.AsObject())
                foreach (var (method, operation) in item!.AsObject())
                    operations.Add(new(method.ToUpperInvariant(), path, (operation!["parameters"] as JsonArray ?? [])
                        .Select(p => ((string)p!["name"]!, (string)p["in"]!)).ToList()));
            operations.Count.ShouldBeGreaterThan(50, "the OpenAPI document lists the API's operations");
            return _operations = operations;
        }

        /// <summary>A new instance of the callback flow, suspended; the token of its callback URL.</summary>
        internal async Task<string> WaitingCallbackTokenAsync()
        {
            using var run = await Server.Client.PostAsync("api/flows/cb/run", new StringContent("""{"mode":"async"}""", Encoding.UTF8, "application/json"));
            var text = await run.Content.ReadAsStringAsync();
            run.StatusCode.ShouldBe(HttpStatusCode.Accepted, text);
            var id = (string)JsonNode.Parse(text)!["instanceId"]!;
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (true)
            {
                var instance = await Server.GetJsonAsync($"api/instances/{id}");
                if ((string?)instance["status"] == "suspended") return ((string)instance["outputs"]!["url"]!).Split("/callbacks/")[1];
                DateTime.UtcNow.ShouldBeLessThan(deadline, $"the callback flow did not suspend: {instance.ToJsonString()}");
                await Task.Delay(50);
            }
        }

        public virtual async Task DisposeAsync() => await Server.DisposeAsync();
    }
}
