using Microsoft.Extensions.Configuration;
using FlowConnectors.Server.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// Settings are read once at start: no configuration file is watched, so the data folder's SQLite writes inside the
/// content root wake no file watcher (bench/RESULTS.md §6 measured 14 % of CPU spent on those inotify events).
/// </summary>
public sealed class HostConfigurationTests
{
    [Fact]
    public async Task No_configuration_source_reloads_on_change()
    {
        await using var server = await TestServer.StartAsync();
        var configuration = (IConfigurationRoot)server.Services.GetRequiredService<IConfiguration>();
        configuration["hostBuilder:reloadConfigOnChange"].ShouldBe("false");
        configuration.Providers.OfType<FileConfigurationProvider>().ShouldAllBe(file => !file.Source.ReloadOnChange);
    }

    [Fact]
    public async Task Requests_run_on_the_thread_that_received_them_only_while_socket_completions_run_on_the_pool()
    {
        Environment.GetEnvironmentVariable(RequestScheduling.InlineSocketCompletionsVariable).ShouldNotBe("1", "the test host runs with the runtime's defaults");
        await using var server = await TestServer.StartAsync();
        server.Services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling.ShouldBeTrue();
        // With the runtime's inline socket completions on, the receiving thread is the socket engine's: a flow that computes
        // there would hold every connection it serves.
        RequestScheduling.PreferInline("1").ShouldBeFalse();
        RequestScheduling.PreferInline("0").ShouldBeTrue();
        RequestScheduling.PreferInline(null).ShouldBeTrue();
    }
}
