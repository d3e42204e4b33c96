namespace FlowConnectors.Reliability.Tests;

/// <summary>Files at rest: private to the server's user, and quiet logs wherever the server is started from.</summary>
public sealed class FilePermissionSpecs
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task Started_outside_its_folder_the_server_keeps_its_data_private_and_does_not_log_sql()
    {
        if (OperatingSystem.IsWindows()) return;
        // No appsettings.json here: the server's own defaults must hold.
        var elsewhere = Temp.Folder("cwd");
        await using var server = await ServerProcess.StartAsync(workingDirectory: elsewhere);
        using (var created = await server.Client.PostAsync("api/flows?publish=true", new StringContent(
            """{ "format": 1, "id": "noop", "outputs": [ { "name": "x", "type": "number" } ], "nodes": [ { "id": "s", "type": "SetOutput", "inputs": { "name": "x", "value": 1 } } ], "connections": [] }""",
            System.Text.Encoding.UTF8, "application/json")))
            created.IsSuccessStatusCode.ShouldBeTrue(await created.Content.ReadAsStringAsync());
        using (var run = await server.Client.PostAsync("api/flows/noop/run", new StringContent("{}", System.Text.Encoding.UTF8, "application/json")))
            run.IsSuccessStatusCode.ShouldBeTrue(await run.Content.ReadAsStringAsync());
        await server.GetJsonAsync("api/instances");

        File.GetUnixFileMode(server.DataFolder).ShouldBe(OwnerOnlyFolder);
        File.GetUnixFileMode(Path.Combine(server.DataFolder, "keys")).ShouldBe(OwnerOnlyFolder);
        var database = Path.Combine(server.DataFolder, "flowconnectors.db");
        foreach (var file in new[] { database, database + "-wal", database + "-shm" }.Where(File.Exists)
                     .Concat(Directory.GetFiles(Path.Combine(server.DataFolder, "keys"))))
            File.GetUnixFileMode(file).ShouldBe(OwnerOnlyFile, file);
        File.Exists(database).ShouldBeTrue();

        server.Output.ShouldNotContain(line => line.Contains("Executed DbCommand", StringComparison.Ordinal));
        server.Output.ShouldNotContain(line => line.Contains("SELECT ", StringComparison.Ordinal));
    }
}
