namespace FlowConnectors.Cli;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var output = new CliOutput(Console.Out, Console.Error);
        try
        {
            return await CliApp.RunAsync(args, output);
        }
        catch (Exception e)
        {
            // Safety net only: every expected failure is reported by the command itself.
            output.Error(e.Message);
            return ExitCodes.Usage;
        }
    }
}
