using System.Text.Json.Nodes;
using FlowConnectors.Server.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Server.Tests;

public sealed class ConnectorInstallerTests
{
    private static string CopyOfGitHub(Action<JsonObject> edit)
    {
        var folder = TestServer.Temp("connector");
        TestServer.CopyDirectory(Path.Combine(Repo.Root, "flows", "github"), folder);
        var path = Path.Combine(folder, "connector.json");
        var manifest = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(manifest);
        File.WriteAllText(path, manifest.ToJsonString());
        return folder;
    }

    [Fact]
    public async Task An_installed_connector_is_listed_at_once_and_again_after_a_restart()
    {
        await using var server = await TestServer.StartAsync();
        var installer = server.Services.GetRequiredService<ConnectorInstaller>();
        var result = await installer.InstallAsync(CopyOfGitHub(m => { m["key"] = "github-copy"; m["name"] = "GitHub copy"; }));
        result.Succeeded.ShouldBeTrue(string.Join("; ", result.Problems));
        result.Replaced.ShouldBeNull();

        (await server.GetJsonAsync("/api/connectors/github-copy"))["name"]!.GetValue<string>().ShouldBe("GitHub copy");
        await server.StopAsync();
        await server.StartAgainAsync();
        (await server.GetJsonAsync("/api/connectors/github-copy"))["name"]!.GetValue<string>().ShouldBe("GitHub copy");
    }

    [Fact]
    public async Task Installing_a_key_again_replaces_it_and_an_invalid_folder_changes_nothing()
    {
        await using var server = await TestServer.StartAsync();
        var installer = server.Services.GetRequiredService<ConnectorInstaller>();
        (await installer.InstallAsync(CopyOfGitHub(m => m["name"] = "GitHub two"))).Replaced!.Manifest.Name.ShouldBe("GitHub");
        (await server.GetJsonAsync("/api/connectors/github"))["name"]!.GetValue<string>().ShouldBe("GitHub two");

        var broken = await installer.InstallAsync(CopyOfGitHub(m => { m["name"] = "GitHub three"; m["auth"] = new JsonObject { ["kind"] = "telepathy" }; }));
        broken.Succeeded.ShouldBeFalse();
        broken.Problems.ShouldContain(p => p.IsError && p.File == "connector.json");
        (await server.GetJsonAsync("/api/connectors/github"))["name"]!.GetValue<string>().ShouldBe("GitHub two");
        File.ReadAllText(Path.Combine(installer.FolderOf("github"), "connector.json")).ShouldContain("GitHub two");
        Directory.GetDirectories(installer.InstalledFolder).Select(Path.GetFileName).ShouldBe(["github"]);

        (await installer.UninstallAsync("github")).ShouldBeTrue();
        (await server.Client.GetAsync("/api/connectors/github")).StatusCode.ShouldBe(System.Net.HttpStatusCode.NotFound);
    }
}
