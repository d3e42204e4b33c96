using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Testing;

/// <summary>
/// Records fixtures against a live API: runs each fixture's flow with a real connection, captures
/// every exchange, and rewrites the fixture's exchanges and outputs. Credentials never reach the
/// file: credential headers are dropped and every secret value is replaced by <c>***</c>.
/// </summary>
public static class FixtureRecorder
{
    public static Dictionary<string, string> ReadConnectionFile(string path)
    {
        if (!File.Exists(path)) throw new FixtureException($"connection file not found: {path}");
        try
        {
            return JsonNode.Parse(File.ReadAllText(path)) is JsonObject values
                ? values.ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal)
                : throw new FixtureException($"{path}: a connection file is a JSON object of parameter values");
        }
        catch (JsonException e)
        {
            throw new FixtureException($"{path}: malformed JSON ({e.Message.Split(" Path:")[0]})");
        }
    }

    public static async Task<FixtureReport> RecordAsync(ConnectorPackage package, string file, IReadOnlyDictionary<string, string> liveConnection,
        CancellationToken cancellationToken = default, Func<Uri, Uri>? rewriteUrl = null)
    {
        var name = Path.GetRelativePath(package.Directory, file).Replace('\\', '/');
        var root = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        var fixture = Fixture.Read(root.ToJsonString());
        var recorded = new ConcurrentQueue<(HttpRequestMessage Request, byte[] RequestBody, HttpResponseMessage Response, byte[] ResponseBody)>();
        await using var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = rewriteUrl,
            // A fixture lists every exchange of its flow: creating its connection must send nothing of its own.
            TestOnCreate = false,
            ConfigureHttpClient = builder => builder.AddHttpMessageHandler(() => new RecordingHandler(recorded)),
        });
        var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "record", liveConnection, "record", cancellationToken);
        var secrets = connection.SecretStrings().Where(s => s.Length >= 4).ToList();
        var run = await runtime.Actions.RunFlowAsync(package.Manifest.Key, fixture.Flow, connection.Id, fixture.Inputs, cancellationToken);
        secrets.AddRange(connection.SecretStrings().Where(s => s.Length >= 4));
        // The credentials as sent (e.g. base64 of user:password, a custom auth flow's headers), in case the API echoes them.
        foreach (var (request, _, _, _) in recorded)
            foreach (var (header, values) in request.Headers)
                if (FixtureRunner.CredentialHeaders.Contains(header))
                    foreach (var value in values)
                    {
                        secrets.Add(value);
                        if (value.IndexOf(' ') is > 0 and var space && value.Length - space > 4) secrets.Add(value[(space + 1)..]);
                    }

        var exchanges = new JsonArray();
        foreach (var (request, requestBody, response, responseBody) in recorded)
        {
            var requestJson = new JsonObject
            {
                ["method"] = request.Method.Method,
                ["path"] = request.RequestUri!.AbsolutePath,
                ["query"] = Scrub(QueryOf(request.RequestUri), secrets),
                ["headers"] = new JsonObject(request.Content?.Headers.ContentType is { } type ? [KeyValuePair.Create("content-type", (JsonNode?)type.ToString())] : []),
            };
            if (requestBody.Length > 0) requestJson["body"] = Scrub(Body(requestBody, request.Content?.Headers.ContentType?.MediaType), secrets);
            var responseHeaders = new JsonObject();
            foreach (var (header, values) in response.Headers.Concat(response.Content.Headers).OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase))
                if (header.ToLowerInvariant() is "content-type" or "link" or "location" or "x-total-count" or "retry-after")
                    responseHeaders[header.ToLowerInvariant()] = Scrub(JsonValue.Create(string.Join(", ", values)), secrets);
            exchanges.Add(new JsonObject
            {
                ["request"] = requestJson,
                ["response"] = new JsonObject
                {
                    ["status"] = (int)response.StatusCode,
                    ["headers"] = responseHeaders,
                    ["body"] = responseBody.Length == 0 ? null : Scrub(Body(responseBody, response.Content.Headers.ContentType?.MediaType), secrets),
                },
            });
        }
        root["exchanges"] = exchanges;
        root.Remove("outputs");
        root.Remove("fault");
        if (run.Status == FlowStatus.Finished) root["outputs"] = Scrub(run.OutputsAsJson(), secrets);
        else root["fault"] = run.Fault?.Message ?? run.Status.ToString();
        await File.WriteAllTextAsync(file, CanonicalJson.WriteIndented(root), cancellationToken);
        return new FixtureReport(name, fixture.Description, run.Status is FlowStatus.Finished or FlowStatus.Faulted ? [] : [$"the flow ended {run.Status}"]);
    }

    private static JsonObject QueryOf(Uri uri)
    {
        var query = new JsonObject();
        foreach (var pair in uri.Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            var key = Uri.UnescapeDataString(parts[0].Replace('+', ' '));
            var value = parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
            query[key] = query[key] switch
            {
                null => JsonValue.Create(value),
                JsonArray array => new JsonArray([.. array.Select(v => v?.DeepClone()), JsonValue.Create(value)]),
                var single => new JsonArray(single.DeepClone(), JsonValue.Create(value)),
            };
        }
        return query;
    }

    private static JsonNode? Body(byte[] bytes, string? mediaType)
    {
        var text = Encoding.UTF8.GetString(bytes);
        if (mediaType?.Contains("json", StringComparison.OrdinalIgnoreCase) == true)
            try { return JsonNode.Parse(text); } catch (JsonException) { }
        return JsonValue.Create(text);
    }

    private static JsonNode? Scrub(JsonNode? value, IReadOnlyList<string> secrets) => value switch
    {
        null => null,
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(p.Key, Scrub(p.Value, secrets)))),
        JsonArray a => new JsonArray(a.Select(i => Scrub(i, secrets)).ToArray()),
        _ when Engine.Values.JsonValues.TryGetString(value, out var s) =>
            JsonValue.Create(secrets.Aggregate(s, (text, secret) => text.Replace(secret, "***", StringComparison.Ordinal))),
        _ => value.DeepClone(),
    };

    private sealed class RecordingHandler(ConcurrentQueue<(HttpRequestMessage, byte[], HttpResponseMessage, byte[])> recorded) : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var requestBody = request.Content is null ? [] : await request.Content.ReadAsByteArrayAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            var responseBody = await response.Content.ReadAsByteArrayAsync(cancellationToken);
            // The body was consumed; hand the caller a fresh copy with the same headers.
            var copy = new ByteArrayContent(responseBody);
            foreach (var header in response.Content.Headers) copy.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Content = copy;
            recorded.Enqueue((request, requestBody, response, responseBody));
            return response;
        }
    }
}
