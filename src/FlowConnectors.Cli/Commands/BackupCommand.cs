using System.CommandLine;
using FlowConnectors.Persistence;
using FlowConnectors.Runtime;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc backup &lt;data-folder&gt; &lt;target-folder&gt;</c>: a consistent copy of a server's data folder, taken while the server
/// runs: its SQLite database as of one moment (<see cref="SqliteBackup"/>, checked), and the files a restore cannot do
/// without: the data-protection key ring (without it the stored connection secrets cannot be read), the callback
/// secret (without it the callback URLs handed out stop working) and the node id. Restore: stop the server and put the
/// copied files in its data folder. A server on PostgreSQL keeps its data in the database (pg_dump it); the command
/// still copies the keys, which that dump needs.
/// </summary>
internal sealed class BackupCommand
{
    private static readonly string[] KeptFiles = [DataFiles.CallbackSecret, DataFiles.NodeId];

    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _data = new("data-folder") { Description = "The server's data folder (FlowConnectors:DataFolder)." };
    private readonly Argument<string> _target = new("target-folder") { Description = "Where the copy goes: a new or empty folder." };

    public BackupCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("backup", "Copies a server's data folder consistently, while the server runs: database, key ring, callback secret.") { _data, _target };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_data), parsed.GetRequiredValue(_target), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string data, string target, CancellationToken ct)
    {
        var from = _directory.Resolve(data);
        var to = _directory.Resolve(target);
        if (!Directory.Exists(from)) throw new CliException($"no such data folder: {data}");
        if (Directory.Exists(to) && Directory.EnumerateFileSystemEntries(to).Any()) throw new CliException($"{target} is not empty: a backup goes into a new or empty folder");
        try
        {
            // Owner only, as the data folder itself: the copy holds the key ring and the secrets it protects.
            DataFiles.CreatePrivateFolder(to);
            var database = Path.Combine(from, DataFiles.Database);
            if (File.Exists(database))
            {
                var copy = await SqliteBackup.CopyAsync(database, Path.Combine(to, DataFiles.Database), ct);
                DataFiles.RestrictFile(Path.Combine(to, DataFiles.Database));
                if (!copy.IsIntact) throw new CliException($"the copy of {DataFiles.Database} failed its integrity check: {copy.IntegrityCheck}");
                _output.Out.WriteLine($"{DataFiles.Database}: {copy.Bytes:N0} bytes, {copy.Instances:N0} instances, integrity ok");
            }
            else _output.Note($"no {DataFiles.Database} in {data}: a server on PostgreSQL keeps its data in the database (back it up with pg_dump); its keys are copied here");
            var keys = Path.Combine(from, DataFiles.KeyRing);
            if (Directory.Exists(keys))
            {
                DataFiles.CreatePrivateFolder(Path.Combine(to, DataFiles.KeyRing));
                var count = 0;
                foreach (var file in Directory.EnumerateFiles(keys))
                {
                    CopyPrivate(file, Path.Combine(to, DataFiles.KeyRing, Path.GetFileName(file)));
                    count++;
                }
                _output.Out.WriteLine($"{DataFiles.KeyRing}/: {count} files (the key ring that protects the stored secrets)");
            }
            else _output.Note($"no {DataFiles.KeyRing}/ in {data}: the server keeps its key ring elsewhere (FlowConnectors:DataProtection); back that up too");
            foreach (var name in KeptFiles.Where(name => File.Exists(Path.Combine(from, name))))
            {
                CopyPrivate(Path.Combine(from, name), Path.Combine(to, name));
                _output.Out.WriteLine(name);
            }
            _output.Out.WriteLine($"backed up {data} to {target}; to restore, stop the server and copy these files into its data folder");
            return ExitCodes.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or Microsoft.Data.Sqlite.SqliteException)
        {
            throw new CliException($"the backup of {data} to {target} failed: {e.Message}");
        }
    }

    private static void CopyPrivate(string source, string destination)
    {
        File.Copy(source, destination);
        DataFiles.RestrictFile(destination);
    }
}
