using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

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
}
