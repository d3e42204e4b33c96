using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// For every request of the test collections, the request our imported action sends equals the one
/// Postman's own runner (newman) sends with the same variables: method, path, query, headers (less the
/// ones each client adds for itself) and body, both captured by one echo server on 127.0.0.1.
/// </summary>
public sealed class NewmanConformanceTests
{
    /// <summary>Headers a client adds on its own (newman's user agent, cache and token headers; transport).</summary>
    private static readonly HashSet<string> Volatile = new(StringComparer.OrdinalIgnoreCase)
    {
        "user-agent", "postman-token", "host", "accept-encoding", "connection", "content-length", "cache-control", "traceparent",
    };

    public sealed record Case(string File, string BaseVariable, string BasePath, Dictionary<string, string> Credentials, Dictionary<string, string> ScopedVariables)
    {
        public override string ToString() => File;
    }

    public static TheoryData<Case> Collections => new()
    {
        new("users-bearer.postman_collection.json", "baseUrl", "/v2", new() { ["accessToken"] = "token-123" }, new() { ["groupId"] = "g-42" }),
        new("forms-basic-v2.0.postman_collection.json", "baseUrl", "/api", new() { ["user"] = "agent", ["password"] = "s3cret" }, new()),
        new("keys-apikey.postman_collection.json", "host", "", new() { ["apiKey"] = "key-789" }, new()),
        new("oauth2-client-credentials.postman_collection.json", "baseUrl", "", new() { ["clientId"] = "billing-app", ["clientSecret"] = "cs-1", ["accessToken"] = "at-456" }, new()),
        // Issue 18: No Auth, a folder's basic auth, credentials in bodies, a valueless form variable, non-ASCII multipart names.
        new("helpdesk-mixed-auth.postman_collection.json", "baseUrl", "/api", new() { ["accessToken"] = "tok-A1", ["adminUser"] = "root", ["adminPassword"] = "pw-2" },
            new() { ["resolution"] = "duplicate", ["webhookSecret"] = "old-secret-1" }),
    };

    [Theory]
    [MemberData(nameof(Collections))]
    public async Task Each_imported_action_sends_exactly_what_newman_sends(Case c)
    {
        await using var echo = await EchoServer.StartAsync();
        var collection = Repo.Collection(c.File);
        var origin = echo.Address.GetLeftPart(UriPartial.Authority);
        if (c.Credentials.TryGetValue("accessToken", out var token)) echo.AccessToken = token;

        // Postman's runner, given the base URL of the echo server and the credentials as variables.
        var variables = new Dictionary<string, string>(c.Credentials) { [c.BaseVariable] = origin + c.BasePath };
        foreach (var (k, v) in c.ScopedVariables) variables[k] = v;
        await Newman.RunAsync(collection, variables);
        var expected = echo.Take();
        expected.Count.ShouldBeGreaterThan(0, "newman sent nothing");

        // Our side: the imported folder, run by ConnectorRuntime with the same credentials, every URL pointed at the echo server.
        var imported = PostmanImporter.Import(File.ReadAllText(collection));
        using var temp = new TempDir();
        var engine = new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
        var written = ConnectorFolderWriter.Write(imported, Path.Combine(temp.Path, imported.Key), engine);
        var (package, problems) = ConnectorPackage.Load(written.Folder, engine);
        package.ShouldNotBeNull(string.Join("\n", problems));
        await using var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
        {
            Connections = new InMemoryConnectionStore(),
            RewriteUrl = uri => new UriBuilder(uri) { Scheme = "http", Host = echo.Address.Host, Port = echo.Address.Port }.Uri,
            // Only the actions' requests are compared with newman's: creating the connection sends no test of its own.
            TestOnCreate = false,
        });
        var values = package.Manifest.ConnectionParameters.ToDictionary(p => p.Name, p => c.Credentials.GetValueOrDefault(p.Name) ?? p.Default ?? "");
        var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "conformance", values, "tests");
        foreach (var action in imported.Actions)
        {
            // Inputs the import could not give a default (credentials in a body, variables with no value) get what newman got.
            var inputs = new JsonObject();
            foreach (var input in imported.Flows[action.Id].Inputs.Where(i => i.Required && i.Default is null))
                inputs[input.Name] = variables.GetValueOrDefault(input.Label ?? input.Name) ?? variables.GetValueOrDefault(input.Name);
            var run = await runtime.Actions.RunFlowAsync(package.Manifest.Key, action.Id, connection.Id, inputs);
            run.Status.ShouldBe(Engine.FlowStatus.Finished, $"{action.Id}: {run.Fault}");
        }
        var actual = echo.Take();

        imported.Actions.Count.ShouldBe(expected.Count, "one action per request");
        actual.Count.ShouldBe(expected.Count, $"newman sent:\n{string.Join("\n", expected)}\nwe sent:\n{string.Join("\n", actual)}");
        var differences = new List<string>();
        for (var i = 0; i < expected.Count; i++) differences.AddRange(Compare(imported.Actions[i].Id, expected[i], actual[i]));
        differences.ShouldBeEmpty($"\n{string.Join("\n", differences)}");
    }

    private static IEnumerable<string> Compare(string action, EchoedRequest newman, EchoedRequest ours)
    {
        var prefix = $"{action} ({newman.Method} {newman.Path})";
        if (newman.Method != ours.Method) yield return $"{prefix}: method {newman.Method} vs {ours.Method}";
        if (newman.Path != ours.Path) yield return $"{prefix}: path {newman.Path} vs {ours.Path}";
        var q1 = string.Join("&", newman.Query.Select(q => $"{q.Key}={q.Value}"));
        var q2 = string.Join("&", ours.Query.Select(q => $"{q.Key}={q.Value}"));
        if (q1 != q2) yield return $"{prefix}: query {q1} vs {q2}";
        var h1 = Headers(newman.Headers, ours.Headers);
        var h2 = Headers(ours.Headers, newman.Headers);
        foreach (var name in h1.Keys.Union(h2.Keys).Order(StringComparer.Ordinal))
            if (h1.GetValueOrDefault(name) != h2.GetValueOrDefault(name))
                yield return $"{prefix}: header {name}: newman {h1.GetValueOrDefault(name) ?? "(absent)"} vs ours {h2.GetValueOrDefault(name) ?? "(absent)"}";
        if (!JsonNode.DeepEquals(newman.Body, ours.Body))
            yield return $"{prefix}: body {newman.Body?.ToJsonString() ?? "(none)"} vs {ours.Body?.ToJsonString() ?? "(none)"}";
    }

    private static Dictionary<string, string> Headers(IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> other)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            if (Volatile.Contains(name)) continue;
            // newman's default Accept: */* (sent when the request names none).
            if (name == "accept" && value == "*/*" && !other.ContainsKey(name)) continue;
            // A multipart boundary is random: compare the media type.
            result[name] = name == "content-type" && value.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) ? "multipart/form-data" : value;
        }
        return result;
    }
}
