using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Tests;

/// <summary>
/// A connector written to a temporary folder from C# strings (connector.json, flows/*.flow.json,
/// tests/*.json) and loaded the way the CLI and server load one.
/// </summary>
internal sealed class ConnectorFolder : IDisposable
{
    public ConnectorFolder()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fc-conntests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "flows"));
        Directory.CreateDirectory(System.IO.Path.Combine(Path, "tests"));
    }

    public string Path { get; }

    public ConnectorFolder Manifest(string json)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "connector.json"), json);
        return this;
    }

    /// <summary>Writes a flow under its own id (flows/&lt;id&gt;.flow.json).</summary>
    public ConnectorFolder Flow(string json) => Flow((string)JsonNode.Parse(json)!["id"]!, json);

    public ConnectorFolder Flow(string fileId, string json)
    {
        File.WriteAllText(System.IO.Path.Combine(Path, "flows", fileId + ".flow.json"), json);
        return this;
    }

    public string Fixture(string name, string json)
    {
        var file = System.IO.Path.Combine(Path, "tests", name + ".json");
        File.WriteAllText(file, json);
        return file;
    }

    public (ConnectorPackage? Package, List<FormatProblem> Problems) TryLoad() =>
        ConnectorPackage.Load(Path, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() }));

    /// <summary>Loads the folder; fails the test listing every problem when it does not load cleanly.</summary>
    public ConnectorPackage Load()
    {
        var (package, problems) = TryLoad();
        var errors = problems.Where(p => p.IsError).Select(p => p.ToString()).ToList();
        errors.ShouldBeEmpty();
        return package!;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A temporary folder deleted at the end of the test.</summary>
internal sealed class TempFolder : IDisposable
{
    public string Path { get; } = Directory.CreateDirectory(System.IO.Path.Combine(System.IO.Path.GetTempPath(), "fc-conntests-" + Guid.NewGuid().ToString("N"))).FullName;

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}

/// <summary>A clock tests move by hand. Only wall-clock time is fake; timers and timestamps stay real.</summary>
internal sealed class FakeClock(DateTimeOffset start) : TimeProvider
{
    private DateTimeOffset _now = start;

    public FakeClock() : this(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero)) { }

    public override DateTimeOffset GetUtcNow() => _now;
    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>Where the repository's sample connectors live.</summary>
internal static class Repo
{
    public static string Root { get; } = FindRoot();

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }

    public static string Connector(string key) => System.IO.Path.Combine(Root, "flows", key);

    /// <summary>Every folder under flows/ holding a connector.json.</summary>
    public static IEnumerable<string> SampleConnectors() =>
        Directory.GetDirectories(System.IO.Path.Combine(Root, "flows"))
            .Where(ConnectorPackage.IsConnectorFolder)
            .Select(d => System.IO.Path.GetFileName(d))
            .Order(StringComparer.Ordinal);

    public static ConnectorPackage LoadSample(string key)
    {
        var (package, problems) = ConnectorPackage.Load(Connector(key), new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() }));
        problems.Where(p => p.IsError).Select(p => p.ToString()).ShouldBeEmpty();
        return package!;
    }
}
