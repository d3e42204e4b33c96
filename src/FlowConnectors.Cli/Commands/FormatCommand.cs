using System.CommandLine;
using System.Text;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc format &lt;file|dir&gt; [--check] [--stdout]</c>: rewrites flow files in the canonical form
/// the server, the designer's export and the catalog use (fixed field order, sorted free-form keys,
/// final newline), so a hand-edited flow gives the same bytes and a small diff. A file that does
/// not load is reported with its problems and left untouched. Exit 0 when every file is (now)
/// canonical, 1 with --check when some file would change, 2 for a file that does not load.
/// </summary>
internal sealed class FormatCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _path = new("path") { Description = "A *.flow.json file, or a directory searched recursively for them." };
    private readonly Option<bool> _check = new("--check") { Description = "Change nothing; list the files that are not canonical and exit 1 if any." };
    private readonly Option<bool> _stdout = new("--stdout") { Description = "Print the canonical text of one file instead of writing it." };

    public FormatCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("format", "Rewrites flow files in their canonical form (what the designer exports).") { _path, _check, _stdout };
        Command.SetAction(parsed => Execute(parsed.GetRequiredValue(_path), parsed.GetValue(_check), parsed.GetValue(_stdout)));
    }

    public Command Command { get; }

    private int Execute(string path, bool check, bool toStdout)
    {
        var full = _directory.Resolve(path);
        IReadOnlyList<string> files = Directory.Exists(full) ? FlowFiles.Find(full)
            : File.Exists(full) ? [full]
            : throw new CliException($"no such file or directory: {path}");
        if (toStdout && files.Count != 1) throw new CliException("--stdout prints one file: give a file, not a directory");
        var unreadable = 0;
        var changed = 0;
        foreach (var file in files)
        {
            var text = File.ReadAllText(file);
            var load = FlowJson.Load(text);
            if (load.Flow is not { } flow || load.HasErrors)
            {
                foreach (var problem in load.Problems.Where(p => p.IsError)) _output.Err.WriteLine($"{_directory.Show(file)}: {problem.Path}: {problem.Message}");
                unreadable++;
                continue;
            }
            var canonical = FlowJson.Save(flow);
            if (toStdout)
            {
                _output.Out.Write(canonical);
                continue;
            }
            if (canonical == text) continue;
            changed++;
            if (check)
            {
                _output.Out.WriteLine(_directory.Show(file));
                continue;
            }
            // Written beside the file and moved over it: an interrupted write never leaves half a flow.
            var temporary = file + ".formatting";
            File.WriteAllText(temporary, canonical, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
            File.Move(temporary, file, overwrite: true);
            _output.Out.WriteLine($"formatted {_directory.Show(file)}");
        }
        if (!toStdout) _output.Note($"{files.Count} file(s), {changed} {(check ? "not canonical" : "rewritten")}, {unreadable} not loaded");
        if (unreadable > 0) return ExitCodes.Usage;
        return check && changed > 0 ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
