using System.CommandLine;
using FlowConnectors.Cli.Commands;

namespace FlowConnectors.Cli;

/// <summary>The command tree, and the rules every command shares: parse errors and bad input exit 2.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliOutput output, WorkingDirectory directory) =>
        new("flowc: validate, run, resume, describe and test FlowConnectors flows; pack, publish, install and diff connectors; back up a server's data")
        {
            new ValidateCommand(output, directory).Command,
            new RunCommand(output, directory).Command,
            new ResumeCommand(output, directory).Command,
            new DescribeCommand(output).Command,
            new TestCommand(output, directory).Command,
            new FormatCommand(output, directory).Command,
            new PackCommand(output, directory).Command,
            new PublishCommand(output, directory).Command,
            new InstallCommand(output, directory).Command,
            new DiffCommand(output, directory).Command,
            new ImportPostmanCommand(output, directory).Command,
            new ImportOpenApiCommand(output, directory).Command,
            new CollectCommand(output, directory).Command,
            new BackupCommand(output, directory).Command,
        };

    /// <summary>
    /// One command line, as flowc's Main runs it: every failure becomes an <c>error:</c> line and an exit code, never a
    /// stack trace. Relative paths resolve against <paramref name="directory"/> (default: the current directory).
    /// </summary>
    public static async Task<int> MainAsync(string[] args, CliOutput output, WorkingDirectory? directory = null)
    {
        try
        {
            return await RunAsync(args, output, directory ?? WorkingDirectory.Current);
        }
        catch (Exception e)
        {
            // Safety net only: every expected failure is reported by the command itself.
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    public static async Task<int> RunAsync(string[] args, CliOutput output, WorkingDirectory directory)
    {
        var root = Build(output, directory);
        // No response files: '@file' is ours (--payload-json @payload.json), not the parser's.
        var parsed = root.Parse(args, new ParserConfiguration { ResponseFileTokenReplacer = null });
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors) output.Error(error.Message);
            output.Note($"see '{string.Join(' ', CommandPath(parsed))} --help'");
            return ExitCodes.Usage;
        }
        try
        {
            return await parsed.InvokeAsync(new InvocationConfiguration
            {
                EnableDefaultExceptionHandler = false,
                Output = output.Out,
                Error = output.Err,
            });
        }
        catch (CliException e)
        {
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
    }

    private static IEnumerable<string> CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var result = parsed.CommandResult; result is not null; result = result.Parent as System.CommandLine.Parsing.CommandResult)
            names.Insert(0, result.Command is RootCommand ? "flowc" : result.Command.Name);
        return names;
    }
}
