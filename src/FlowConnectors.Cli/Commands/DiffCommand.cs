using System.CommandLine;
using FlowConnectors.Catalog;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc diff &lt;a&gt; &lt;b&gt; [--catalog dir|url] [--json]</c>: the semantic changes from a to b, each a
/// connector folder, a package file, a flow file, or key@version in the catalog. Breaking changes are
/// marked <c>[breaking]</c>. Exit 0 whatever the changes are.
/// </summary>
internal sealed class DiffCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _before = new("a") { Description = "The old side: folder, .fcpkg, .flow.json or key@version (with --catalog)." };
    private readonly Argument<string> _after = new("b") { Description = "The new side, the same kinds." };
    private readonly Option<string?> _catalog = new("--catalog") { Description = "The catalog key@version refers to (a directory or a server's URL)." };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = $"The server's API key (or set {PackageSource.ApiKeyVariable})." };
    private readonly Option<bool> _json = new("--json") { Description = "Print the diff as JSON." };

    public DiffCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("diff", "Shows the semantic changes between two versions of a connector or flow.") { _before, _after, _catalog, _apiKey, _json };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_before), parsed.GetRequiredValue(_after), parsed.GetValue(_catalog),
            parsed.GetValue(_apiKey), parsed.GetValue(_json), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string before, string after, string? catalog, string? apiKey, bool json, CancellationToken ct)
    {
        try
        {
            var a = await SnapshotAsync(before, catalog, apiKey, _directory, ct);
            var b = await SnapshotAsync(after, catalog, apiKey, _directory, ct);
            var diff = SemanticDiff.Compare(a, b);
            if (json) _output.WriteJson(_output.Out, diff.ToJson());
            else _output.Out.Write(diff.ToText());
            return ExitCodes.Ok;
        }
        catch (CatalogException e)
        {
            return PackageErrors.Report(_output, e);
        }
    }

    private static async Task<ConnectorSnapshot> SnapshotAsync(string side, string? catalog, string? apiKey, WorkingDirectory directory, CancellationToken ct)
    {
        var path = directory.Resolve(side);
        if (Directory.Exists(path) || side.EndsWith(".flow.json", StringComparison.Ordinal) && File.Exists(path)) return ConnectorSnapshot.FromPath(path);
        if (File.Exists(path)) return ConnectorSnapshot.FromPackage(CatalogPackage.Read(await File.ReadAllBytesAsync(path, ct), side));
        if (catalog is null) throw new CliException($"'{side}' is neither a folder nor a file; for a catalog version (key@version) give --catalog");
        var (key, version) = PackageSource.ParseReference(side);
        var package = await PackageSource.Open(catalog, apiKey, directory).GetAsync(key, version, includeUnapproved: true, ct);
        return ConnectorSnapshot.FromPackage(package);
    }
}
