using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Cli.Tests;

/// <summary>What one flowc process did.</summary>
internal sealed record FlowcResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonNode? StdoutJson => JsonNode.Parse(Stdout);

    public override string ToString() => $"exit {ExitCode}\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}

/// <summary>
/// Runs flowc command lines. <see cref="RunAsync"/> runs one in this process (CliApp.MainAsync, the same entry point as
/// flowc's Main) with its own working directory and its own stdout and stderr, which spares the suite a process start,
/// a JIT warm-up and Jint's time-zone table per command line; <see cref="RunProcessAsync"/> starts the real flowc.dll
/// as a child process, for the tests that prove the binary itself (exit codes, stdout and stderr of a process).
/// </summary>
internal static class Flowc
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "flowc.dll");
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    public static async Task<FlowcResult> RunAsync(string workingDirectory, params string[] args)
    {
        var stdout = new StringWriter { NewLine = "\n" };
        var stderr = new StringWriter { NewLine = "\n" };
        // Not on the test's thread: a command that blocks (a long script) must not hold up the timeout.
        var run = Task.Run(() => CliApp.MainAsync(args, new CliOutput(stdout, stderr), WorkingDirectory.At(workingDirectory)));
        int exitCode;
        try
        {
            exitCode = await run.WaitAsync(Timeout);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"flowc {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds:0} s");
        }
        return new FlowcResult(exitCode, stdout.ToString(), stderr.ToString());
    }

    public static async Task<FlowcResult> RunProcessAsync(string workingDirectory, params string[] args)
    {
        File.Exists(Dll).ShouldBeTrue($"flowc.dll is missing next to the tests: {Dll}");
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"flowc {string.Join(' ', args)} did not finish in {Timeout.TotalSeconds:0} s");
        }
        return new FlowcResult(process.ExitCode, await stdout, await stderr);
    }

    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}

/// <summary>A fresh directory per test, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "flowc-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string name, string content)
    {
        var file = System.IO.Path.Combine(Path, name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(file)!);
        File.WriteAllText(file, content);
        return file;
    }

    public Task<FlowcResult> FlowcAsync(params string[] args) => Flowc.RunAsync(Path, args);

    /// <summary>The real flowc process in this directory.</summary>
    public Task<FlowcResult> FlowcProcessAsync(params string[] args) => Flowc.RunProcessAsync(Path, args);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}

/// <summary>The repository the tests were built from.</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    public static string Examples => Path.Combine(Root, "flows", "examples");

    public static string Schema => Path.Combine(Root, "schemas", "flow.schema.json");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }
}
