using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// The server follows ASP.NET Core's hosting conventions (--urls, ASPNETCORE_URLS, Kestrel endpoints), and a server
/// that cannot start says why in one line and exits with 1.
/// </summary>
public sealed class HostConventionSpecs
{
    [Fact]
    public async Task The_urls_option_sets_the_listen_address()
    {
        var port = FreePort();
        await using var server = Launch([$"--urls", $"http://127.0.0.1:{port}"]);
        (await server.AnswersOnAsync(port)).ShouldBeTrue(server.Describe());
    }

    [Fact]
    public async Task ASPNETCORE_URLS_sets_the_listen_address()
    {
        var port = FreePort();
        await using var server = Launch([], new() { ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}" });
        (await server.AnswersOnAsync(port)).ShouldBeTrue(server.Describe());
    }

    [Fact]
    public async Task Kestrel_endpoints_in_configuration_set_the_listen_address()
    {
        var port = FreePort();
        await using var server = Launch([], new() { ["Kestrel__Endpoints__Main__Url"] = $"http://127.0.0.1:{port}" });
        (await server.AnswersOnAsync(port)).ShouldBeTrue(server.Describe());
        server.Output.ShouldNotContain(line => line.Contains("Overriding address", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_busy_port_ends_the_start_with_one_line_and_exit_code_1()
    {
        using var holder = new TcpListener(IPAddress.Loopback, 0);
        holder.Start();
        var port = ((IPEndPoint)holder.LocalEndpoint).Port;
        await using var server = Launch(["--urls", $"http://127.0.0.1:{port}"]);

        (await server.ExitCodeAsync()).ShouldBe(1, server.Describe());
        server.ShouldEndWithOneClearLine($"http://127.0.0.1:{port}: the address is already in use");
    }

    [Fact]
    public async Task An_unreachable_database_ends_the_start_with_one_line_that_keeps_the_password_out()
    {
        using var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var deadPort = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        await using var server = Launch(["--urls", "http://127.0.0.1:0"], new()
        {
            ["FlowConnectors__Database"] = "postgres",
            ["FlowConnectors__ConnectionString"] = $"Host=127.0.0.1;Port={deadPort};Username=flow;Password=canary-db-password-4711;Timeout=5",
        });

        (await server.ExitCodeAsync()).ShouldBe(1, server.Describe());
        server.ShouldEndWithOneClearLine("the PostgreSQL database (FlowConnectors:ConnectionString) could not be opened");
        server.Output.ShouldNotContain(line => line.Contains("canary-db-password-4711", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_malformed_connection_string_ends_the_start_with_one_line()
    {
        await using var server = Launch(["--urls", "http://127.0.0.1:0"], new()
        {
            ["FlowConnectors__Database"] = "postgres",
            ["FlowConnectors__ConnectionString"] = "Hoost==;;nonsense",
        });

        (await server.ExitCodeAsync()).ShouldBe(1, server.Describe());
        server.ShouldEndWithOneClearLine("FlowConnectors could not start:");
    }

    [Theory]
    [InlineData("FlowConnectors__PollInterval", "abc", "FlowConnectors:PollInterval is 'abc', which is not a time span (such as 00:00:30")]
    [InlineData("FlowConnectors__MaxConcurrentRuns", "lots", "FlowConnectors:MaxConcurrentRuns is 'lots', which is not a whole number")]
    [InlineData("FlowConnectors__TestConnectionsOnCreate", "maybe", "FlowConnectors:TestConnectionsOnCreate is 'maybe', which is not true or false")]
    [InlineData("FlowConnectors__PollInterval", "-00:00:01", "FlowConnectors:PollInterval is '-00:00:01', which is out of range: it must be between 00:00:00.001 and 24.00:00:00")]
    [InlineData("FlowConnectors__MaxDeliveryAttempts", "0", "FlowConnectors:MaxDeliveryAttempts is '0', which is out of range: it must be at least 1")]
    [InlineData("FlowConnectors__Access__MaxFailedSignIns", "-3", "FlowConnectors:Access:MaxFailedSignIns is '-3', which is out of range: it must be at least 1")]
    [InlineData("FlowConnectors__Retention__FinishedDays", "-1", "FlowConnectors:Retention:FinishedDays is '-1', which is out of range: it must be between 0 and 36500")]
    [InlineData("FlowConnectors__Retention__Flows__echo__MaxRuns", "-5", "FlowConnectors:Retention:Flows:echo:MaxRuns is '-5', which is out of range: it must be at least 0")]
    public async Task A_setting_not_of_its_type_or_out_of_its_range_ends_the_start_with_one_line_naming_it(string variable, string value, string expected)
    {
        await using var server = Launch(["--urls", "http://127.0.0.1:0"], new() { [variable] = value });

        (await server.ExitCodeAsync()).ShouldBe(1, server.Describe());
        server.ShouldEndWithOneClearLine(expected);
    }

    [Fact]
    public async Task A_data_folder_that_cannot_be_created_ends_the_start_with_one_line()
    {
        var blocker = Path.Combine(Temp.Folder("blocked"), "a-file");
        await File.WriteAllTextAsync(blocker, "not a folder");
        await using var server = Launch(["--urls", "http://127.0.0.1:0"], new() { ["FlowConnectors__DataFolder"] = Path.Combine(blocker, "data") });

        (await server.ExitCodeAsync()).ShouldBe(1, server.Describe());
        server.ShouldEndWithOneClearLine($"the data folder {Path.Combine(blocker, "data")} cannot be created or written");
    }

    private static LaunchedServer Launch(string[] arguments, Dictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = Repo.ServerOutput,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(Repo.ServerOutput, "FlowConnectors.Server.dll"));
        foreach (var argument in arguments) info.ArgumentList.Add(argument);
        info.Environment.Remove("ASPNETCORE_URLS");
        info.Environment["FlowConnectors__DataFolder"] = Temp.Folder("data");
        info.Environment["FlowConnectors__FlowsFolder"] = Temp.Folder("flows");
        info.Environment["FlowConnectors__ApiKey"] = ServerProcess.ApiKey;
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in environment ?? []) info.Environment[key] = value;
        return new LaunchedServer(info);
    }

    private static int FreePort() => TestPorts.Reserve();

    private sealed class LaunchedServer : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly List<string> _output = [];
        private readonly List<string> _errors = [];

        public LaunchedServer(ProcessStartInfo info)
        {
            _process = new Process { StartInfo = info };
            _process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (_output) _output.Add(e.Data); };
            _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_output) { _output.Add(e.Data); _errors.Add(e.Data); } };
            _process.Start();
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public IReadOnlyList<string> Output { get { lock (_output) return [.. _output]; } }

        public async Task<bool> AnswersOnAsync(int port)
        {
            // A request's own limit as ServerProcess's: the first request of a process still starting under load (JIT, a load
            // average of 30 on 2 cores) took over 10 s, and its timeout failed the spec although the server answered.
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/"), Timeout = TimeSpan.FromSeconds(120) };
            client.DefaultRequestHeaders.Add("X-Api-Key", ServerProcess.ApiKey);
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(4);
            while (DateTime.UtcNow < deadline && !_process.HasExited)
            {
                try
                {
                    using var response = await client.GetAsync("api/flows");
                    if (response.StatusCode == HttpStatusCode.OK) return true;
                }
                catch (HttpRequestException) { }
                catch (TaskCanceledException) { /* this request's timeout; asked again until the deadline */ }
                await Task.Delay(100);
            }
            return false;
        }

        public async Task<int> ExitCodeAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(4));
            await _process.WaitForExitAsync(timeout.Token);
            return _process.ExitCode;
        }

        /// <summary>The last thing on stderr is the reason, in one line, and nothing anywhere is a stack frame.</summary>
        public void ShouldEndWithOneClearLine(string expected)
        {
            string[] errors;
            lock (_output) errors = [.. _errors];
            errors.ShouldNotBeEmpty(Describe());
            errors[^1].ShouldStartWith("FlowConnectors could not start: ", Case.Sensitive, Describe());
            errors[^1].ShouldContain(expected, Case.Sensitive, Describe());
            Output.ShouldNotContain(line => line.TrimStart().StartsWith("at ", StringComparison.Ordinal), Describe());
            Output.ShouldNotContain(line => line.Contains("Exception:", StringComparison.Ordinal), Describe());
        }

        public string Describe() => string.Join('\n', Output.TakeLast(40));

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
