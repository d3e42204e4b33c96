using System.CommandLine;
using FlowConnectors.Catalog;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc pack &lt;connector dir&gt; [--out file]</c>: validates the connector, runs its offline tests,
/// scans for secrets, and writes <c>&lt;key&gt;-&lt;version&gt;.fcpkg</c> (the same bytes every time).
/// Nothing is written unless all of that passes.
/// </summary>
internal sealed class PackCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _folder = new("connector") { Description = "A connector folder (holding connector.json)." };
    private readonly Option<string?> _out = new("--out") { Description = "The package file to write (default: <key>-<version>.fcpkg in the current directory)." };

    public PackCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("pack", "Packs a connector folder for a catalog: validation and offline tests first, never a secret or a connection.") { _folder, _out };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_folder), parsed.GetValue(_out), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string folder, string? outFile, CancellationToken ct)
    {
        CatalogPackage package;
        try
        {
            package = await Packer.PackAsync(_directory.Resolve(folder), PackageSource.Validator(), ct);
        }
        catch (CatalogException e)
        {
            return PackageErrors.Report(_output, e);
        }
        var target = Path.GetFullPath(_directory.Resolve(outFile ?? package.DefaultFileName));
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        var temp = target + $".{Guid.NewGuid():N}.tmp";
        await File.WriteAllBytesAsync(temp, package.ToBytes(), ct);
        File.Move(temp, target, overwrite: true);
        _output.Out.WriteLine($"packed {package.Reference} ({package.Files.Count} files, {package.Digest}) into {target}");
        return ExitCodes.Ok;
    }
}
