using System.Diagnostics;
using System.Text;

namespace FlowConnectors.Postman.Tests;

/// <summary>Runs Postman's own runner (npm newman, installed by scripts/newman.sh) through node.</summary>
internal static class Newman
{
    public static string Script => Path.Combine(Repo.Root, "tests", "FlowConnectors.Postman.Tests", "newman", "node_modules", "newman", "bin", "newman.js");

    public static async Task RunAsync(string collection, IReadOnlyDictionary<string, string> variables)
    {
        File.Exists(Script).ShouldBeTrue($"newman is not installed at {Script}; run 'bash scripts/newman.sh' (scripts/test.sh does)");
        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Encoding.UTF8,
            StandardErrorEncoding = Encoding.UTF8,
        };
        foreach (var arg in new[] { Script, "run", collection, "--reporters", "cli", "--reporter-cli-no-banner", "--reporter-cli-no-summary", "--disable-unicode", "--timeout-request", "20000", "--suppress-exit-code" })
            start.ArgumentList.Add(arg);
        foreach (var (name, value) in variables)
        {
            start.ArgumentList.Add("--env-var");
            start.ArgumentList.Add($"{name}={value}");
        }
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"newman run {collection} did not finish in 90 s");
        }
        process.ExitCode.ShouldBe(0, $"newman could not run the collection:\n{await stdout}\n{await stderr}");
    }
}

/// <summary>The repository the tests were built from.</summary>
internal static class Repo
{
    public static readonly string Root = FindRoot();

    public static string Collection(string name) => Path.Combine(Root, "tests", "FlowConnectors.Postman.Tests", "collections", name);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fresh directory per test, deleted afterwards.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "postman-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { /* best effort */ }
    }
}
