using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>The Catalog workspace in a real browser: submit, approve, install, upgrade with the diff shown first, reject with a reason.</summary>
public sealed class CatalogSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task A_package_is_submitted_approved_installed_and_upgraded_after_its_diff_is_shown() => WithPage(async (page, folder) =>
    {
        var v1 = await PackAsync(folder, "1.0.0", null);
        var file = Path.Combine(folder, "slack-webhook-1.0.0.fcpkg");
        await File.WriteAllBytesAsync(file, v1.ToBytes());

        await page.GetByTestId("catalog-upload").SetInputFilesAsync(file);
        await Assertions.Expect(page.GetByTestId("catalog-message")).ToHaveTextAsync("submitted slack-webhook@1.0.0: submitted");
        var row1 = page.GetByTestId("version-slack-webhook-1.0.0");
        await Assertions.Expect(row1.GetByTestId("status")).ToHaveTextAsync("submitted");

        await row1.GetByTestId("approve").ClickAsync();
        await Assertions.Expect(row1.GetByTestId("status")).ToHaveTextAsync("approved");
        await row1.GetByTestId("install").ClickAsync();
        await Assertions.Expect(page.GetByTestId("catalog-diff")).ToContainTextAsync("+ flow (4 nodes)");
        await page.GetByTestId("apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("catalog-message")).ToHaveTextAsync("installed slack-webhook@1.0.0; tests: 3 passed, 0 failed");

        // 1.1.0 arrives through the API; upgrading shows what changes before it is applied.
        await SubmitAsync(await PackAsync(folder, "1.1.0", "Posts to one Slack channel."));
        await page.GetByTestId("catalog-refresh").ClickAsync();
        var row2 = page.GetByTestId("version-slack-webhook-1.1.0");
        await row2.GetByTestId("approve").ClickAsync();
        await row2.GetByTestId("install").ClickAsync();
        await Assertions.Expect(page.GetByTestId("catalog-preview")).ToContainTextAsync("slack-webhook: installed 1.0.0 → 1.1.0");
        var lines = await page.Locator("[data-testid=catalog-diff] div").AllInnerTextsAsync();
        lines.Select(l => l.Trim()).ShouldBe([
            "manifest",
            "~ description: \"Post messages to one channel through a Slack incoming webhook (https://hooks.slack.com/services/T…/B…/…); no token needed. Slack treats the webhook URL itself as the secret, but a base URL may only use non-password connection parameters, so the three URL segments are stored as text parameters: anyone who can read this connection's parameters can post to the channel. Prefer the Slack connector (bot token) where that matters.\" → \"Posts to one Slack channel.\"",
            "~ version: \"1.0.0\" → \"1.1.0\"",
            "2 changes, 0 breaking",
        ]);
        (await fixture.Client.GetStringAsync("/api/connectors")).ShouldContain("\"1.0.0\"");
        await page.GetByTestId("apply").ClickAsync();
        await Assertions.Expect(page.GetByTestId("catalog-message")).ToHaveTextAsync("installed slack-webhook@1.1.0 (was 1.0.0; automations pinned to it keep running); tests: 3 passed, 0 failed");
        await Assertions.Expect(page.GetByTestId("catalog-slack-webhook")).ToContainTextAsync("installed 1.1.0");

        // A submission can be rejected with a reason, which the list shows.
        await SubmitAsync(await PackAsync(folder, "1.2.0", "Something else."));
        await page.GetByTestId("catalog-refresh").ClickAsync();
        var row3 = page.GetByTestId("version-slack-webhook-1.2.0");
        await row3.GetByTestId("reject").ClickAsync();
        await page.GetByTestId("reject-reason").FillAsync("the description lost the security note");
        await page.GetByTestId("reject-confirm").ClickAsync();
        await Assertions.Expect(row3).ToContainTextAsync("rejected — the description lost the security note");
        await Assertions.Expect(row3.GetByTestId("install")).ToHaveCountAsync(0);

        // A minor version that drops a card's output is refused, and the message lists the breaking change.
        var breaking = await PackAsync(folder, "1.3.0", null, copy =>
        {
            var card = Path.Combine(copy, "flows", "postWebhookMessage.flow.json");
            var flow = JsonNode.Parse(File.ReadAllText(card))!.AsObject();
            flow["outputs"] = new JsonArray();
            foreach (var node in flow["nodes"]!.AsArray().Where(n => (string?)n!["type"] == "Return")) node!["inputs"] = new JsonObject { ["outputs"] = new JsonObject() };
            File.WriteAllText(card, CanonicalJson.WriteIndented(flow));
            foreach (var test in Directory.GetFiles(Path.Combine(copy, "tests")))
            {
                var fixture = JsonNode.Parse(File.ReadAllText(test))!.AsObject();
                if (fixture["outputs"] is JsonObject) fixture["outputs"] = new JsonObject();
                File.WriteAllText(test, CanonicalJson.WriteIndented(fixture));
            }
        });
        var breakingFile = Path.Combine(folder, "slack-webhook-1.3.0.fcpkg");
        await File.WriteAllBytesAsync(breakingFile, breaking.ToBytes());
        await page.GetByTestId("catalog-upload").SetInputFilesAsync(breakingFile);
        var refusal = page.GetByTestId("catalog-message");
        await Assertions.Expect(refusal).ToContainTextAsync("slack-webhook@1.3.0 has 1 breaking change(s) since");
        await Assertions.Expect(refusal).ToContainTextAsync("card postWebhookMessage: - output result (string)  [breaking]");
        await Assertions.Expect(page.GetByTestId("version-slack-webhook-1.3.0")).ToHaveCountAsync(0);
    });

    private async Task<CatalogPackage> PackAsync(string folder, string version, string? description, Action<string>? edit = null)
    {
        var copy = Path.Combine(folder, "slack-webhook-" + version);
        var source = Path.Combine(Root(), "flows", "slack-webhook");
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(copy, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
        var manifestPath = Path.Combine(copy, "connector.json");
        var manifest = JsonNode.Parse(await File.ReadAllTextAsync(manifestPath))!.AsObject();
        manifest["version"] = version;
        if (description is not null) manifest["description"] = description;
        await File.WriteAllTextAsync(manifestPath, CanonicalJson.WriteIndented(manifest));
        edit?.Invoke(copy);
        return await Packer.PackAsync(copy, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry() }));
    }

    private async Task SubmitAsync(CatalogPackage package)
    {
        var content = new ByteArrayContent(package.ToBytes());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
        var response = await fixture.Client.PostAsync("/api/catalog/packages", content);
        ((int)response.StatusCode).ShouldBe(201, await response.Content.ReadAsStringAsync());
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found");
    }

    private Task WithPage(Func<IPage, string, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, async page =>
    {
        var folder = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"fc-designer-catalog-{Guid.NewGuid():N}")).FullName;
        try { await test(page, folder); }
        finally { try { Directory.Delete(folder, recursive: true); } catch (IOException) { } }
    }, width: 1500, hash: "#/catalog", signIn: async page =>
    {
        await FlowPage.SignInWithApiKeyAsync(page);
        await Assertions.Expect(page.GetByTestId("catalog-list")).ToContainTextAsync("The catalog is empty");
    }, name: name);
}
