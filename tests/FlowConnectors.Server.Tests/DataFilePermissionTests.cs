namespace FlowConnectors.Server.Tests;

/// <summary>The data folder and what it holds are readable by the server's user only.</summary>
public sealed class DataFilePermissionTests
{
    private const UnixFileMode Folder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode File = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task The_database_key_ring_and_their_folders_are_private_to_the_servers_user()
    {
        if (OperatingSystem.IsWindows()) return;
        var data = Path.Combine(TestServer.Temp("parent"), "data");
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await TestServer.StartAsync(vendor.Address, dataFolder: data);
        // A secret makes Data Protection create its key.
        (await server.PostJsonAsync("/api/connections", new { id = "sn", connector = "servicenow", values = new { instance = "dev1", username = "u", password = "p" } })).Status.ShouldBe(201);

        System.IO.File.GetUnixFileMode(data).ShouldBe(Folder);
        System.IO.File.GetUnixFileMode(Path.Combine(data, "keys")).ShouldBe(Folder);
        // The database (with its -wal and -shm files), the key ring and the callback signing key.
        var files = Directory.GetFiles(data).Concat(Directory.GetFiles(Path.Combine(data, "keys"))).ToList();
        files.ShouldContain(f => f.EndsWith("flowconnectors.db", StringComparison.Ordinal));
        files.ShouldContain(f => f.EndsWith(".xml", StringComparison.Ordinal));
        files.ShouldContain(f => f.EndsWith("callback-signing.key", StringComparison.Ordinal));
        foreach (var file in files)
            System.IO.File.GetUnixFileMode(file).ShouldBe(File, file);
    }
}
