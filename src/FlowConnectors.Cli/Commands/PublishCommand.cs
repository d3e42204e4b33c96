using System.CommandLine;
using FlowConnectors.Catalog;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc publish &lt;package&gt; --catalog &lt;dir|url&gt;</c>: verifies the package (digest, manifest,
/// secrets) and adds it to a directory catalog, or submits it to a server's catalog for review.
/// </summary>
internal sealed class PublishCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _package = new("package") { Description = "A package file made by 'flowc pack'." };
    private readonly Option<string> _catalog = new("--catalog") { Description = "A catalog directory, or a FlowConnectors server's URL.", Required = true };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = $"The server's API key (or set {PackageSource.ApiKeyVariable})." };

    public PublishCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("publish", "Publishes a package to a catalog (a directory for git, or a server's catalog API).") { _package, _catalog, _apiKey };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_package), parsed.GetRequiredValue(_catalog), parsed.GetValue(_apiKey), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string file, string catalog, string? apiKey, CancellationToken ct)
    {
        if (!File.Exists(_directory.Resolve(file))) throw new CliException($"no such package file: {file}");
        var source = PackageSource.Open(catalog, apiKey, _directory);
        try
        {
            var package = CatalogPackage.Read(await File.ReadAllBytesAsync(_directory.Resolve(file), ct), file);
            _output.Out.WriteLine(await source.PublishAsync(package, ct));
            return ExitCodes.Ok;
        }
        catch (CatalogException e)
        {
            return PackageErrors.Report(_output, e);
        }
    }
}
