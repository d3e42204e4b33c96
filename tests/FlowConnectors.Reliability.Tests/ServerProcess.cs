using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// A real FlowConnectors server process on 127.0.0.1 with its own data and flows folders. It can be killed
/// with SIGKILL (no shutdown code runs) and started again on the same folders and port, like a crashed node.
/// Everything it writes to stdout and stderr is kept, for tests that look for leaked secrets.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    public const string ApiKey = "reliability-api-key-0123456789";
    private readonly ConcurrentQueue<string> _output = new();
    private readonly Dictionary<string, string> _environment;
    private Process? _process;

    private ServerProcess(string dataFolder, string flowsFolder, int port, Dictionary<string, string> environment)
    {
        DataFolder = dataFolder;
        FlowsFolder = flowsFolder;
        Port = port;
        _environment = environment;
        Address = new Uri($"http://127.0.0.1:{port}/");
        Client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(120) };
        Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
        Anonymous = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(120) };
    }

    public string DataFolder { get; }
    public string FlowsFolder { get; }
    /// <summary>Where the process starts (default: the server's build output, where its appsettings.json is).</summary>
    public string WorkingDirectory { get; private init; } = Repo.ServerOutput;
    public int Port { get; }
    public long? DataVolumeBytes { get; private init; }
    public Uri Address { get; }
    /// <summary>Sends the API key.</summary>
    public HttpClient Client { get; }
    /// <summary>Sends no credentials (webhooks, callbacks, probes).</summary>
    public HttpClient Anonymous { get; }
    /// <summary>Every line the process wrote to stdout or stderr, across restarts.</summary>
    public IReadOnlyCollection<string> Output => _output;
    public bool HasExited => _process is null || _process.HasExited;

    /// <summary>
    /// Starts a server over <paramref name="flowsFolder"/> (default: an empty folder) with extra settings given as
    /// environment variables (<c>FlowConnectors__SyncTimeout=00:00:05</c>).
    /// </summary>
    /// <param name="dataVolumeBytes">When set, the data folder is a file system of this size of the process's own (a tmpfs in
    /// a mount namespace made for it: <c>unshare --mount</c>, which needs root), gone with the process. Its files are reached
    /// from the test through <see cref="AsSeenByServer"/>.</param>
    public static async Task<ServerProcess> StartAsync(string? flowsFolder = null, IDictionary<string, string>? settings = null,
        string? workingDirectory = null, long? dataVolumeBytes = null)
    {
        var data = Temp.Folder("data");
        flowsFolder ??= Temp.Folder("flows");
        var environment = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
        var server = new ServerProcess(data, flowsFolder, FreePort(), environment)
        {
            WorkingDirectory = workingDirectory ?? Repo.ServerOutput,
            DataVolumeBytes = dataVolumeBytes,
        };
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>
    /// Starts the process (again) on the same folders and port and waits until the API answers, for up to
    /// <paramref name="startTimeout"/> (default 4 minutes). A start costs the server about 4.5 s of CPU (JIT, migrations):
    /// at a load average of 50 on 2 cores that is over 90 s of wall time, and three nodes started at once (ClusterRetentionSpecs)
    /// failed a 90 s bound with not one line of output yet. Only a start that fails waits this long.
    /// </summary>
    public async Task StartAgainAsync(TimeSpan? startTimeout = null)
    {
        var process = Launch();
        var patience = startTimeout ?? TimeSpan.FromMinutes(4);
        var deadline = DateTime.UtcNow + patience;
        while (DateTime.UtcNow < deadline)
        {
            if (process.HasExited)
                throw new InvalidOperationException($"the server exited with {process.ExitCode}:\n{string.Join('\n', _output.TakeLast(40))}");
            try
            {
                using var probe = await Client.GetAsync("api/flows");
                if (probe.StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"the server did not answer within {patience.TotalSeconds:0} s:\n{string.Join('\n', _output.TakeLast(40))}");
    }

    /// <summary>
    /// Starts the process again on the same folders and port without waiting for its API, for a spec that watches
    /// for something else the new process does (a recovered run reaching a stub) and may kill it before it answers.
    /// </summary>
    public void LaunchAgain() => Launch();

    /// <summary>A path in the server's own mount namespace (its data volume), through /proc/&lt;pid&gt;/root.</summary>
    public string AsSeenByServer(string path) => $"/proc/{_process!.Id}/root{Path.GetFullPath(path)}";

    private Process Launch()
    {
        var info = new ProcessStartInfo(DataVolumeBytes is null ? "dotnet" : "unshare")
        {
            WorkingDirectory = WorkingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (DataVolumeBytes is { } bytes)
        {
            // unshare and sh exec in turn: the process is the server's own, so Kill and the exit code are its.
            foreach (var argument in new[] { "--mount", "--propagation", "private", "sh", "-c",
                         $"mount -t tmpfs -o size={bytes} tmpfs \"$0\" && exec dotnet \"$1\"", DataFolder })
                info.ArgumentList.Add(argument);
        }
        info.ArgumentList.Add(Path.Combine(Repo.ServerOutput, "FlowConnectors.Server.dll"));
        info.Environment["FlowConnectors__Urls"] = $"http://127.0.0.1:{Port}";
        info.Environment["FlowConnectors__DataFolder"] = DataFolder;
        info.Environment["FlowConnectors__FlowsFolder"] = FlowsFolder;
        info.Environment["FlowConnectors__ApiKey"] = ApiKey;
        info.Environment["FlowConnectors__PollInterval"] = "00:00:00.050";
        info.Environment["DOTNET_gcServer"] = "0";
        // Stub vendors listen on 127.0.0.1, which the network policy refuses unless allowed. A spec overrides
        // this through its settings (an empty value allows nothing).
        info.Environment["FlowConnectors__Network__AllowedHosts__0"] = "127.0.0.1";
        foreach (var (key, value) in _environment) info.Environment[key] = value;
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        return process;
    }

    /// <summary>kill -9: the process ends at once, no shutdown code runs.</summary>
    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, then waits for the graceful shutdown.</summary>
    public async Task StopAsync()
    {
        if (_process is null || _process.HasExited) return;
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString()])) await kill.WaitForExitAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try { await _process.WaitForExitAsync(timeout.Token); }
        catch (OperationCanceledException) { Kill(); }
    }

    public async Task<JsonNode> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        _process?.Dispose();
        Client.Dispose();
        Anonymous.Dispose();
        await Task.CompletedTask;
        Temp.TryDelete(DataFolder);
    }

    private static int FreePort() => TestPorts.Reserve();
}

internal static class Repo
{
    public static string Root { get; } = FindRoot();

    /// <summary>The server's build output of the same configuration as these tests (Debug or Release).</summary>
    public static string ServerOutput { get; } = Path.Combine(Root, "src", "FlowConnectors.Server", "bin",
        new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name, "net10.0");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("repository root not found");
    }
}

internal static class Temp
{
    public static string Folder(string name)
    {
        var path = Path.Combine(Path.GetTempPath(), "fc-reliability", $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    public static void TryDelete(string path)
    {
        try { Directory.Delete(path, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }
}
