using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Import.Postman;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Postman.Tests;

// newman-compare <collection.json> [--env-var name=value]... [--environment env.json]
// Runs the collection through newman and through the connector the importer makes of it, both against one
// echo stub on 127.0.0.1 (every host rewritten to it), and prints the differences request by request.
// Exit 0: the same; 1: differences; 2: bad input or a run that could not finish.
var arguments = args.ToList();
if (arguments.Count == 0 || arguments[0].StartsWith('-'))
{
    Console.Error.WriteLine("usage: newman-compare <collection.json> [--env-var name=value]... [--environment env.json] [--newman path/to/newman.js]");
    return 2;
}
var collection = Path.GetFullPath(arguments[0]);
var variables = new Dictionary<string, string>(StringComparer.Ordinal);
string? environment = null;
var newman = Path.Combine(FindRoot(), "tests", "FlowConnectors.Postman.Tests", "newman", "node_modules", "newman", "bin", "newman.js");
for (var i = 1; i < arguments.Count; i++)
{
    switch (arguments[i])
    {
        case "--env-var" when i + 1 < arguments.Count && arguments[i + 1].Contains('='):
            var pair = arguments[++i];
            variables[pair[..pair.IndexOf('=')]] = pair[(pair.IndexOf('=') + 1)..];
            break;
        case "--environment" when i + 1 < arguments.Count:
            environment = Path.GetFullPath(arguments[++i]);
            break;
        case "--newman" when i + 1 < arguments.Count:
            newman = Path.GetFullPath(arguments[++i]);
            break;
        default:
            Console.Error.WriteLine($"unknown argument '{arguments[i]}'");
            return 2;
    }
}
if (!File.Exists(newman))
{
    Console.Error.WriteLine($"newman is not installed at {newman}; run 'bash scripts/newman.sh'");
    return 2;
}

await using var echo = await EchoServer.StartAsync();
var origin = echo.Address.GetLeftPart(UriPartial.Authority);
var imported = PostmanImporter.Import(File.ReadAllText(collection), environments: environment is null ? null : [File.ReadAllText(environment)]);

// newman: every URL-shaped variable of the collection's base points at the stub.
if (imported.Manifest["baseUrlParameter"] is JsonValue baseParameter && imported.ConnectionParameters.FirstOrDefault(p => p.Name == (string)baseParameter!) is { Variable: { } baseVariable } parameter)
    variables.TryAdd(baseVariable, origin + (Uri.TryCreate(parameter.Default, UriKind.Absolute, out var b) ? b.AbsolutePath.TrimEnd('/') : ""));
var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
foreach (var arg in new[] { newman, "run", collection, "--reporters", "cli", "--reporter-cli-no-banner", "--reporter-cli-no-summary", "--disable-unicode", "--suppress-exit-code" })
    start.ArgumentList.Add(arg);
if (environment is not null) { start.ArgumentList.Add("--environment"); start.ArgumentList.Add(environment); }
foreach (var (name, value) in variables) { start.ArgumentList.Add("--env-var"); start.ArgumentList.Add($"{name}={value}"); }
using (var process = Process.Start(start)!)
{
    var output = process.StandardOutput.ReadToEndAsync();
    var errors = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        Console.Error.WriteLine($"newman failed:\n{await output}\n{await errors}");
        return 2;
    }
}
var expected = echo.Take();

// Ours: the imported connector, its connection filled from the same variables, every host rewritten to the stub.
var root = Path.Combine(Path.GetTempPath(), "newman-compare-" + Guid.NewGuid().ToString("N"));
try
{
    var engine = new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });
    var written = ConnectorFolderWriter.Write(imported, Path.Combine(root, imported.Key), engine);
    var (package, problems) = ConnectorPackage.Load(written.Folder, engine);
    if (package is null)
    {
        Console.Error.WriteLine("the imported connector does not validate:\n" + string.Join("\n", problems));
        return 2;
    }
    await using var runtime = new ConnectorRuntime([package], new ConnectorRuntimeOptions
    {
        Connections = new InMemoryConnectionStore(),
        RewriteUrl = uri => new UriBuilder(uri) { Scheme = "http", Host = echo.Address.Host, Port = echo.Address.Port }.Uri,
    });
    var values = package.Manifest.ConnectionParameters.ToDictionary(p => p.Name,
        p => imported.ConnectionParameters.FirstOrDefault(i => i.Name == p.Name)?.Variable is { } v && variables.TryGetValue(v, out var value) && p.Name != package.Manifest.BaseUrlParameter
            ? value : p.Default ?? $"test-{p.Name}");
    var connection = await runtime.Connections.CreateConnectionAsync(package.Manifest.Key, "newman-compare", values, "newman-compare");
    foreach (var action in imported.Actions)
    {
        var inputs = new JsonObject();
        foreach (var input in imported.Flows[action.Id].Inputs.Where(i => i.Required && i.Default is null))
            inputs[input.Name] = variables.GetValueOrDefault(input.Label ?? input.Name) ?? $"sample-{input.Name}";
        var run = await runtime.Actions.RunFlowAsync(package.Manifest.Key, action.Id, connection.Id, inputs);
        if (run.Status != FlowStatus.Finished) Console.Error.WriteLine($"{action.Id}: {run.Status} {run.Fault?.Message}");
    }
}
finally
{
    if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
}
var actual = echo.Take();

var volatileHeaders = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "user-agent", "postman-token", "host", "accept-encoding", "connection", "content-length", "cache-control", "traceparent" };
Dictionary<string, string> Headers(EchoedRequest r, EchoedRequest other) => r.Headers
    .Where(h => !volatileHeaders.Contains(h.Key) && !(h.Key == "accept" && h.Value == "*/*" && !other.Headers.ContainsKey("accept")))
    .ToDictionary(h => h.Key, h => h.Key == "content-type" && h.Value.StartsWith("multipart/form-data", StringComparison.OrdinalIgnoreCase) ? "multipart/form-data" : h.Value);
var report = new StringBuilder();
var differences = 0;
for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
{
    var label = i < imported.Actions.Count ? imported.Actions[i].Id : $"request {i + 1}";
    if (i >= expected.Count || i >= actual.Count)
    {
        report.AppendLine($"✗ {label}: {(i >= expected.Count ? "newman sent nothing" : "the connector sent nothing")}");
        differences++;
        continue;
    }
    var (n, o) = (expected[i], actual[i]);
    var lines = new List<string>();
    if (n.Method != o.Method) lines.Add($"method {n.Method} vs {o.Method}");
    if (n.Path != o.Path) lines.Add($"path {n.Path} vs {o.Path}");
    var q1 = string.Join("&", n.Query.Select(q => $"{q.Key}={q.Value}"));
    var q2 = string.Join("&", o.Query.Select(q => $"{q.Key}={q.Value}"));
    if (q1 != q2) lines.Add($"query {q1} vs {q2}");
    var (h1, h2) = (Headers(n, o), Headers(o, n));
    foreach (var name in h1.Keys.Union(h2.Keys).Order(StringComparer.Ordinal))
        if (h1.GetValueOrDefault(name) != h2.GetValueOrDefault(name))
            lines.Add($"header {name}: newman {h1.GetValueOrDefault(name) ?? "(absent)"} vs ours {h2.GetValueOrDefault(name) ?? "(absent)"}");
    if (!JsonNode.DeepEquals(n.Body, o.Body)) lines.Add($"body {n.Body?.ToJsonString() ?? "(none)"} vs {o.Body?.ToJsonString() ?? "(none)"}");
    report.AppendLine($"{(lines.Count == 0 ? "✓" : "✗")} {label}: {n.Method} {n.Path}");
    foreach (var line in lines) report.AppendLine("    " + line);
    differences += lines.Count;
}
Console.Write(report);
Console.WriteLine(differences == 0 ? $"same: {expected.Count} requests" : $"{differences} differences over {Math.Max(expected.Count, actual.Count)} requests");
return differences == 0 ? 0 : 1;

static string FindRoot()
{
    for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
    return Directory.GetCurrentDirectory();
}
