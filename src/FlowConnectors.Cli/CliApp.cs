using System.CommandLine;
using FlowConnectors.Cli.Commands;

namespace FlowConnectors.Cli;

/// <summary>The command tree, and the rules every command shares: parse errors and bad input exit 2.</summary>
internal static class CliApp
{
    public static RootCommand Build(CliOutput output) =>
        new("flowc: validate, run, resume, describe and test FlowConnectors flows; pack, publish, install and diff connectors")
        {
            new ValidateCommand(output).Command,
            new RunCommand(output).Command,
            new ResumeCommand(output).Command,
            new DescribeCommand(output).Command,
            new TestCommand(output).Command,
            new FormatCommand(output).Command,
            new PackCommand(output).Command,
            new PublishCommand(output).Command,
            new InstallCommand(output).Command,
            new DiffCommand(output).Command,
            new ImportPostmanCommand(output).Command,
            new ImportOpenApiCommand(output).Command,
            new CollectCommand(output).Command,
        };

    public static async Task<int> RunAsync(string[] args, CliOutput output)
    {
        var root = Build(output);
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
