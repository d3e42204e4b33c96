using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Testing;

/// <summary>One fixture's result: passed, or every difference found.</summary>
public sealed record FixtureReport(string File, string Description, IReadOnlyList<string> Differences)
{
    public bool Passed => Differences.Count == 0;
}

/// <summary>
/// Replays a connector's recorded exchanges with no network: a stub on 127.0.0.1 serves the recorded
/// responses in order, every URL the connector calls is pointed at it, and the requests sent and the
/// outputs produced are compared with the fixture.
/// </summary>
public static class FixtureRunner
{
    /// <summary>Request headers that carry credentials: never recorded, never compared.</summary>
    public static readonly HashSet<string> CredentialHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "aw-tenant-code",
    };

    public static async Task<IReadOnlyList<FixtureReport>> RunAllAsync(ConnectorPackage package, CancellationToken cancellationToken = default)
    {
        var reports = new List<FixtureReport>();
        foreach (var file in package.FixtureFiles) reports.Add(await RunAsync(package, file, cancellationToken));
        return reports;
    }

    public static async Task<FixtureReport> RunAsync(ConnectorPackage package, string file, CancellationToken cancellationToken = default)
    {
        var name = Path.GetRelativePath(package.Directory, file).Replace('\\', '/');
        Fixture fixture;
        try
        {
            fixture = Fixture.Read(File.ReadAllText(file));
        }
        catch (Exception e) when (e is JsonException or FixtureException)
        {
            return new FixtureReport(name, "", [$"the fixture cannot be read: {e.Message}"]);
        }
        var differences = new List<string>();
        await using var stub = await StubServer.StartAsync(fixture.Exchanges, package.Manifest);
        await using var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = stub.Rewrite,
            // A fixture lists every exchange of its flow: creating its connection must send nothing of its own.
            TestOnCreate = false,
            ConfigureHttpClient = builder => builder.ConfigureHttpClient(client => client.Timeout = TimeSpan.FromSeconds(20)),
        });
        Engine.Runtime.FlowRunResult run;
        try
        {
            string? connectionId = null;
            if (fixture.Connection is not null)
                connectionId = (await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "fixture", fixture.Connection, "fixture", cancellationToken)).Id;
            if (fixture.Tokens is { } tokens && connectionId is not null)
            {
                // Simulated sign-in: tokens that expire (or expired) when the fixture says, on the runtime's clock.
                var connection = (await runtime.Options.Connections.GetAsync(connectionId, cancellationToken))!;
                double? expiresIn = tokens["expiresIn"] is JsonValue e && e.TryGetValue(out double seconds) ? seconds : null;
                connection.Tokens = new OAuthTokens((string)tokens["accessToken"]!, (string?)tokens["refreshToken"],
                    expiresIn is { } s ? runtime.Options.Clock.GetUtcNow().AddSeconds(s) : null, null);
                await runtime.Options.Connections.SaveAsync(connection, cancellationToken);
            }
            if (fixture.Authorization is { } authorization)
            {
                if (connectionId is null) return new FixtureReport(name, fixture.Description, ["$.authorization needs $.connection: the connection that signs in"]);
                if (package.Manifest.Auth.Kind != AuthKind.OAuth2AuthorizationCode)
                    return new FixtureReport(name, fixture.Description, [$"$.authorization: connector '{package.Manifest.Key}' does not use OAuth 2.0 authorization code"]);
                // The sign-in callback's exchange, against the stub: the fixture's first exchange is the token request.
                try
                {
                    await runtime.Connections.CompleteAuthorizationAsync(connectionId, authorization.Code, authorization.RedirectUri, cancellationToken);
                }
                catch (ConnectorException e)
                {
                    differences.Add($"sign-in: the code exchange failed: {e.Message}");
                }
            }
            run = await runtime.Actions.RunFlowAsync(package.Manifest.Key, fixture.Flow, connectionId, fixture.Inputs, cancellationToken);
        }
        catch (Exception e) when (e is ConnectorException or Engine.Runtime.FlowInputException or Engine.Flows.FlowValidationException)
        {
            return new FixtureReport(name, fixture.Description, [$"the flow could not start: {e.Message}"]);
        }

        var sent = stub.Received.ToList();
        for (var i = 0; i < Math.Max(sent.Count, fixture.Exchanges.Count); i++)
        {
            if (i >= sent.Count) { differences.Add($"request {i + 1}: expected {fixture.Exchanges[i].Method} {fixture.Exchanges[i].Path} but it was never sent"); continue; }
            if (i >= fixture.Exchanges.Count) { differences.Add($"request {i + 1}: unexpected {sent[i].Method} {sent[i].Path}"); continue; }
            differences.AddRange(CompareRequest(i + 1, fixture.Exchanges[i], sent[i]));
        }
        var status = run.Status.ToString().ToLowerInvariant();
        if (status != fixture.Status)
            differences.Add($"status: expected {fixture.Status} but was {status}{(run.Fault is null ? "" : $" ({run.Fault})")}");
        else if (fixture.Error is { } error && run.Fault?.Message.Contains(error, StringComparison.Ordinal) != true)
            differences.Add($"error: expected a message containing \"{error}\" but was \"{run.Fault?.Message}\"");
        if (fixture.Outputs is { } expectedOutputs)
            differences.AddRange(JsonDiff.Compare(WithoutTransportHeaders(expectedOutputs), WithoutTransportHeaders(ProducedOutputs(run)), "outputs"));
        return new FixtureReport(name, fixture.Description, differences);
    }

    /// <summary>Headers the transport adds (the stub's Date, Content-Length) are neither recorded nor compared.</summary>
    public static readonly HashSet<string> TransportHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "date", "content-length", "transfer-encoding", "connection", "keep-alive", "server",
    };

    private static JsonNode? WithoutTransportHeaders(JsonNode? value, string? name = null) => value switch
    {
        JsonObject o => new JsonObject(o.Where(p => name != "headers" || !TransportHeaders.Contains(p.Key))
            .Select(p => KeyValuePair.Create(p.Key, WithoutTransportHeaders(p.Value, p.Key)))),
        JsonArray a => new JsonArray(a.Select(i => WithoutTransportHeaders(i)).ToArray()),
        _ => value?.DeepClone(),
    };

    private static IEnumerable<string> CompareRequest(int number, Exchange expected, ReceivedRequest actual)
    {
        var prefix = $"request {number} ({expected.Method} {expected.Path})";
        if (!string.Equals(expected.Method, actual.Method, StringComparison.OrdinalIgnoreCase))
            yield return $"{prefix}: method expected {expected.Method} but was {actual.Method}";
        if (expected.Path != actual.Path)
            yield return $"{prefix}: path expected {expected.Path} but was {actual.Path}";
        foreach (var line in JsonDiff.Compare(expected.Query ?? [], actual.Query, "query"))
            yield return $"{prefix}: {line}";
        foreach (var (header, value) in expected.Headers)
        {
            var sent = actual.Headers.GetValueOrDefault(header);
            if (sent != value) yield return $"{prefix}: header {header} expected \"{value}\" but was {(sent is null ? "missing" : $"\"{sent}\"")}";
        }
        if (expected.HasBody)
        {
            JsonNode? body = null;
            var text = Encoding.UTF8.GetString(actual.Body);
            if (expected.Body is JsonObject or JsonArray)
            {
                try { body = text.Length == 0 ? null : JsonNode.Parse(text); }
                catch (JsonException) { body = text; }
            }
            else
            {
                body = text.Length == 0 ? null : JsonValue.Create(text);
            }
            foreach (var line in JsonDiff.Compare(expected.Body, body, "body"))
                yield return $"{prefix}: {line}";
        }
    }

    internal sealed record ReceivedRequest(string Method, string Path, JsonObject Query, Dictionary<string, string> Headers, byte[] Body);

    /// <summary>A Kestrel server on 127.0.0.1 answering with recorded responses, in order.</summary>
    internal sealed class StubServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private readonly HashSet<string> _origins;

        private StubServer(WebApplication app, Uri address, HashSet<string> origins)
        {
            _app = app;
            Address = address;
            _origins = origins;
        }

        public Uri Address { get; }
        public ConcurrentQueue<ReceivedRequest> Received { get; } = new();

        public static async Task<StubServer> StartAsync(IReadOnlyList<Exchange> exchanges, ConnectorManifest manifest)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
            builder.Logging.ClearProviders();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            var origins = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            StubServer? server = null;
            var next = 0;
            app.Run(async context =>
            {
                using var buffer = new MemoryStream();
                await context.Request.Body.CopyToAsync(buffer);
                var query = new JsonObject();
                foreach (var (key, values) in context.Request.Query)
                    query[key] = values.Count == 1 ? JsonValue.Create(values[0]) : new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
                var headers = context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                server!.Received.Enqueue(new ReceivedRequest(context.Request.Method, context.Request.Path.Value ?? "/", query, headers, buffer.ToArray()));
                var index = Interlocked.Increment(ref next) - 1;
                if (index >= exchanges.Count)
                {
                    context.Response.StatusCode = 599;
                    await context.Response.WriteAsync("the fixture has no response for this request");
                    return;
                }
                var response = exchanges[index];
                context.Response.StatusCode = response.Status;
                // Serve exactly the recorded headers: no Date, no Server, no chunking.
                context.Response.Headers.Remove("Date");
                context.Response.Headers.Remove("Server");
                foreach (var (header, value) in response.ResponseHeaders)
                    context.Response.Headers[header] = server.RewriteText(value);
                if (response.ResponseBody is { } body)
                {
                    var text = Engine.Values.JsonValues.TryGetString(body, out var s) && !IsJson(response) ? s : body.ToJsonString();
                    var bytes = Encoding.UTF8.GetBytes(text);
                    context.Response.ContentLength = bytes.Length;
                    await context.Response.Body.WriteAsync(bytes);
                }
                else
                {
                    context.Response.ContentLength = 0;
                }
            });
            await app.StartAsync();
            var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            server = new StubServer(app, address, origins);
            return server;
        }

        private static bool IsJson(Exchange exchange) =>
            exchange.ResponseHeaders.FirstOrDefault(h => h.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase)).Value?.Contains("json", StringComparison.OrdinalIgnoreCase) == true;

        /// <summary>Every URL the connector calls goes to the stub, keeping path and query.</summary>
        public Uri Rewrite(Uri uri)
        {
            _origins.Add(uri.GetLeftPart(UriPartial.Authority));
            return new UriBuilder(uri) { Scheme = Address.Scheme, Host = Address.Host, Port = Address.Port }.Uri;
        }

        /// <summary>Absolute links in recorded headers (e.g. Link: rel="next") point at the stub too.</summary>
        private string RewriteText(string value)
        {
            foreach (var origin in _origins)
                value = value.Replace(origin, Address.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase);
            return System.Text.RegularExpressions.Regex.Replace(value, @"https?://[A-Za-z0-9.-]+(:\d+)?(?=/)", Address.GetLeftPart(UriPartial.Authority));
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>
    /// The outputs as the flow set them: a fixture states what a flow computes, credentials included (they are
    /// the fixture's test values), while <see cref="Engine.Runtime.FlowRunResult.OutputsAsJson"/> masks them for whatever leaves a run.
    /// </summary>
    private static JsonObject ProducedOutputs(Engine.Runtime.FlowRunResult run) =>
        new(run.Outputs.Select(p => KeyValuePair.Create(p.Key, p.Value?.DeepClone())));
}
