using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Connectors.Tests.Catalog;

/// <summary>A copy of one of the repository's sample connectors in a temporary folder, edited through its JSON.</summary>
internal sealed class SampleCopy : IDisposable
{
    private readonly TempFolder _temp = new();

    public SampleCopy(string key = "slack")
    {
        Path = System.IO.Path.Combine(_temp.Path, key);
        foreach (var file in Directory.EnumerateFiles(Repo.Connector(key), "*", SearchOption.AllDirectories))
        {
            var target = System.IO.Path.Combine(Path, System.IO.Path.GetRelativePath(Repo.Connector(key), file));
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }

    public string Path { get; }

    public string Scratch => _temp.Path;

    public static FlowEngine Validator() => new(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() });

    /// <summary>Edits a JSON file of the connector (connector.json, flows/x.flow.json, tests/y.json) and writes it back.</summary>
    public SampleCopy Edit(string relative, Action<JsonObject> edit)
    {
        var file = System.IO.Path.Combine(Path, relative);
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, CanonicalJson.WriteIndented(json));
        return this;
    }

    public SampleCopy Version(string version) => Edit("connector.json", m => m["version"] = version);

    public Task<CatalogPackage> PackAsync() => Packer.PackAsync(Path, Validator());

    /// <summary>The package of the folder as it is, without running its offline tests (for specs about catalogs, not packing).</summary>
    public CatalogPackage Package() => CatalogPackage.FromFiles(CatalogPackage.CollectFiles(Load()));

    public ConnectorPackage Load() => ConnectorPackage.Load(Path, Validator()).Package ?? throw new InvalidOperationException($"{Path} is not a valid connector");

    public void Dispose() => _temp.Dispose();
}
