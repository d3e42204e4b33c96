using System.CommandLine;
using FlowConnectors.Catalog;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc install &lt;key&gt;[@version] --catalog &lt;dir|url&gt; [--into dir]</c>: fetches a version (the
/// latest approved one by default), verifies its digest, and unpacks it as a connector folder
/// <c>&lt;into&gt;/&lt;key&gt;</c>, replacing an older one whole.
/// </summary>
internal sealed class InstallCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _reference = new("connector") { Description = "key or key@version, e.g. slack or slack@1.2.0." };
    private readonly Option<string> _catalog = new("--catalog") { Description = "A catalog directory, or a FlowConnectors server's URL.", Required = true };
    private readonly Option<string> _into = new("--into") { Description = "The folder to install into (default: connectors).", DefaultValueFactory = _ => "connectors" };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = $"The server's API key (or set {PackageSource.ApiKeyVariable})." };
    private readonly Option<bool> _unapproved = new("--include-unapproved") { Description = "Also install a version that is submitted but not yet approved." };

    public InstallCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("install", "Installs a connector version from a catalog as a connector folder.") { _reference, _catalog, _into, _apiKey, _unapproved };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_reference), parsed.GetRequiredValue(_catalog), parsed.GetRequiredValue(_into),
            parsed.GetValue(_apiKey), parsed.GetValue(_unapproved), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string reference, string catalog, string into, string? apiKey, bool includeUnapproved, CancellationToken ct)
    {
        var (key, version) = PackageSource.ParseReference(reference);
        var source = PackageSource.Open(catalog, apiKey, _directory);
        try
        {
            var package = await source.GetAsync(key, version, includeUnapproved, ct);
            Packer.Validate(package, PackageSource.Validator());
            var root = Path.GetFullPath(_directory.Resolve(into));
            var target = Path.Combine(root, package.Key);
            var staging = Path.Combine(root, $".{package.Key}.{Guid.NewGuid():N}.staging");
            var retired = Path.Combine(root, $".{package.Key}.{Guid.NewGuid():N}.old");
            package.WriteTo(staging);
            File.Delete(Path.Combine(staging, CatalogPackage.MetadataFile));
            if (Directory.Exists(target)) Directory.Move(target, retired);
            Directory.Move(staging, target);
            if (Directory.Exists(retired)) Directory.Delete(retired, recursive: true);
            _output.Out.WriteLine($"installed {package.Reference} ({package.Digest}) into {target}");
            return ExitCodes.Ok;
        }
        catch (CatalogException e)
        {
            return PackageErrors.Report(_output, e);
        }
    }
}
