using System.CommandLine;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc test &lt;connector dir&gt;</c>: replays the connector's recorded fixtures offline against a stub
/// on 127.0.0.1 and prints a diff for each difference. With <c>--record --connection file</c> it
/// calls the live API instead and rewrites the fixtures' exchanges, secrets redacted.
/// Exit 0 when every fixture passes, 1 when any fails, 2 for bad usage or an invalid connector.
/// </summary>
internal sealed class TestCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _path = new("connector") { Description = "A connector folder (holding connector.json), or a folder of them." };
    private readonly Option<bool> _record = new("--record") { Description = "Call the live API and rewrite the fixtures' exchanges and outputs." };
    private readonly Option<string?> _connection = new("--connection") { Description = "With --record: a JSON file of connection parameter values." };

    public TestCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("test", "Replays a connector's recorded tests offline (or records them with --record).") { _path, _record, _connection };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_path), parsed.GetValue(_record), parsed.GetValue(_connection), ct));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(string path, bool record, string? connectionFile, CancellationToken ct)
    {
        var full = _directory.Resolve(path);
        if (!Directory.Exists(full)) throw new CliException($"no such directory: {path}");
        if (record && connectionFile is null) throw new CliException("--record needs --connection <file> with the live connection's parameter values");
        var folders = ConnectorPackage.IsConnectorFolder(full)
            ? [full]
            : Directory.GetDirectories(full).Where(ConnectorPackage.IsConnectorFolder).Order(StringComparer.Ordinal).ToList();
        if (folders.Count == 0) throw new CliException($"{path} is not a connector folder (no {ManifestReader.FileName}) and holds none");
        var engine = new FlowEngine(new FlowEngineOptions { Registry = CliActivities.Create() });
        int passed = 0, failed = 0;
        foreach (var folder in folders)
        {
            var (package, problems) = ConnectorPackage.Load(folder, engine);
            if (package is null)
            {
                foreach (var problem in problems.Where(p => p.IsError)) _output.Err.WriteLine($"{Path.Join(_directory.Show(folder), problem.File)}: {problem.Path}: {problem.Code}: {problem.Message}");
                throw new CliException($"connector {_directory.Show(folder)} is invalid; run 'flowc validate {_directory.Show(folder)}'");
            }
            if (record)
            {
                var values = FixtureRecorder.ReadConnectionFile(_directory.Resolve(connectionFile!));
                foreach (var file in package.FixtureFiles)
                {
                    var report = await FixtureRecorder.RecordAsync(package, file, values, ct);
                    _output.Out.WriteLine($"{(report.Passed ? "RECORDED" : "FAILED")} {package.Manifest.Key}/{report.File}");
                    foreach (var line in report.Differences) _output.Out.WriteLine("    " + line);
                    if (report.Passed) passed++; else failed++;
                }
                continue;
            }
            foreach (var report in await FixtureRunner.RunAllAsync(package, ct))
            {
                _output.Out.WriteLine($"{(report.Passed ? "PASS" : "FAIL")} {package.Manifest.Key}/{report.File}{(report.Description.Length > 0 ? " — " + report.Description : "")}");
                foreach (var line in report.Differences) _output.Out.WriteLine("    " + line);
                if (report.Passed) passed++; else failed++;
            }
        }
        _output.Out.WriteLine($"{passed} passed, {failed} failed");
        return failed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
