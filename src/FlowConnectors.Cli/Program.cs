namespace FlowConnectors.Cli;

internal static class Program
{
    public static Task<int> Main(string[] args) => CliApp.MainAsync(args, new CliOutput(Console.Out, Console.Error));
}
