namespace FlowConnectors.Server.Tests;

/// <summary>
/// One server (the default <see cref="TestServer"/>: the repository's flows, a fake clock) for all the tests of a class
/// (<c>IClassFixture&lt;SharedServer&gt;</c>) that only read or are refused and so leave it as they found it; a server
/// start costs more than most tests. Tests that store, restart or move the clock start their own.
/// </summary>
public sealed class SharedServer : IAsyncLifetime
{
    private TestServer? _server;

    internal TestServer Server => _server ?? throw new InvalidOperationException("the shared server is not started");

    public async Task InitializeAsync() => _server = await TestServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null) await _server.DisposeAsync();
    }
}
