using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Xunit.Abstractions;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Build with data: Send HTTP Request → Run JavaScript → Return against a stub vendor on 127.0.0.1, with a test step,
/// a pin, a field dragged from the input data into a setting, an expression preview, a test of the flow and Publish.
/// Prints how many clicks and drags it took.
/// </summary>
public sealed class BuildWithDataSpecs(DesignerFixture fixture, ITestOutputHelper output) : IClassFixture<DesignerFixture>
{
    [Fact]
    public async Task A_flow_is_built_tested_step_by_step_with_its_data_pinned_previewed_and_published()
    {
        var hits = 0;
        await using var vendor = await StubVendorAsync(() => Interlocked.Increment(ref hits));
        var clicks = 0;
        var drags = 0;
        async Task Click(ILocator locator) { clicks++; await locator.ClickAsync(); }
        async Task Drag(Func<Task> drag) { drags++; await drag(); }

        await WithPageAsync(fixture, async page =>
        {
            await page.GetByLabel("flow id").FillAsync("build-with-data");
            await Click(page.Locator("[data-testid=declarations-outputs] h4 button"));
            await page.GetByLabel("outputs JSON").FillAsync("""[{ "name": "names", "type": "any" }]""");
            await Drag(() => DropAsync(page, "Http.SendRequest", 120, 120));
            await Drag(() => DropAsync(page, "RunJavaScript", 420, 120));
            await Drag(() => DropAsync(page, "Return", 720, 120));
            await Drag(() => ConnectAsync(page, "sendHttpRequest1", "2xx", "runJavaScript1"));
            await Drag(() => ConnectAsync(page, "runJavaScript1", "done", "return1"));

            // Step 1: the request, tested on its own; its output shows at once.
            await Node(page, "sendHttpRequest1").Locator(".fc-node-title").DblClickAsync();
            clicks += 2;
            var details = page.GetByTestId("node-details");
            await details.Locator("[data-testid=input-url] textarea").FillAsync(vendor.Url + "items");
            await Click(details.GetByTestId("test-step"));
            await Assertions.Expect(details.GetByTestId("details-outcome")).ToHaveTextAsync("2xx");
            await Assertions.Expect(details.GetByTestId("output-data")).ToContainTextAsync("items");
            hits.ShouldBe(1);
            // Pinned: tests use this output instead of calling the vendor again.
            await Click(details.GetByTestId("pin"));
            await Assertions.Expect(Node(page, "sendHttpRequest1").GetByTestId("pinned")).ToBeVisibleAsync();
            await Click(details.GetByTestId("close-details"));

            // Step 2: the script, with the request's data on the input side; a field dragged into 'args' writes its path.
            await Node(page, "runJavaScript1").Locator(".fc-node-title").DblClickAsync();
            clicks += 2;
            await details.Locator("[data-testid=input-code] .cm-content").FillAsync("return args.map(item => item.name);");
            // Without args yet, the code previews the error it would give. Waiting for it also lets the preview's line
            // settle before the drag: it lands after a 300 ms debounce and a server round trip, and moved 'args' down
            // under a drag already aimed at it (the drop then missed).
            await Assertions.Expect(details.Locator("[data-testid=input-code] [data-testid=preview]")).ToContainTextAsync("Cannot read property 'map' of undefined");
            var inputData = details.GetByTestId("input-data-sendHttpRequest1");
            await Drag(() => inputData.Locator("[data-path='nodes.sendHttpRequest1.body.items']").DragToAsync(details.GetByTestId("input-args")));
            await Assertions.Expect(details.Locator("[data-testid=input-args] .cm-content")).ToHaveTextAsync("nodes.sendHttpRequest1.body.items");
            // The preview evaluates it against the last data as it stands.
            await Assertions.Expect(details.Locator("[data-testid=input-args] [data-testid=preview]")).ToContainTextAsync("\"name\":\"Ada\"");
            // Run JavaScript's code previews with the args it will see.
            await Assertions.Expect(details.Locator("[data-testid=input-code] [data-testid=preview]")).ToContainTextAsync("[\"Ada\",\"Grace\"]");
            await DocsScreenshotSpecs.SaveAsync(page, "designer-node-details.png");
            await Click(details.GetByTestId("test-step"));
            await Assertions.Expect(details.GetByTestId("output-data")).ToContainTextAsync("[2]");
            await Click(details.GetByTestId("close-details"));

            // Step 3: Return, and the whole flow tested from the draft (the pinned request does not call the vendor).
            await SelectNodeAsync(page, "return1");
            clicks++;
            await page.Locator("[data-testid=input-outputs] .cm-content").FillAsync("""{ "names": { "js": "nodes.runJavaScript1.result" } }""");
            await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");
            await Click(page.GetByTestId("run-toggle"));
            await Click(page.GetByTestId("run"));
            await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
            await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("\"Ada\"");
            hits.ShouldBe(1, "the pinned request is not sent again");

            await DocsScreenshotSpecs.SaveAsync(page, "designer-test-run.png");
            await Click(page.GetByTestId("publish"));
            await Assertions.Expect(page.GetByTestId("message")).ToContainTextAsync("published build-with-data version 1");
            var published = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/build-with-data"))!;
            published.ToJsonString().ShouldNotContain("\"pins\"", customMessage: "pins stay with the draft, never in the published flow");
            ((string?)published["nodes"]![1]!["inputs"]!["args"]!["js"]).ShouldBe("nodes.sendHttpRequest1.body.items");
        });
        output.WriteLine($"build with data: {clicks} clicks, {drags} drags (HTTP → JavaScript → Return, two test steps, a pin, a dragged field, a test run, publish)");
        await File.AppendAllTextAsync(Path.Combine(AppContext.BaseDirectory, "designer-performance.txt"),
            $"build with data (HTTP → JavaScript → Return, test steps, pin, drag, test run, publish): {clicks} clicks, {drags} drags{Environment.NewLine}");
    }

    [Fact]
    public async Task Node_details_of_a_one_megabyte_output_open_at_once()
    {
        await using var vendor = await StubVendorAsync(() => 0);
        await WithPageAsync(fixture, async page =>
        {
            await page.GetByLabel("flow id").FillAsync("big-output");
            await DropAsync(page, "Http.SendRequest", 150, 120);
            await Node(page, "sendHttpRequest1").Locator(".fc-node-title").DblClickAsync();
            var details = page.GetByTestId("node-details");
            await details.Locator("[data-testid=input-url] textarea").FillAsync(vendor.Url + "big");
            var step = Stopwatch.StartNew();
            await details.GetByTestId("test-step").ClickAsync();
            await Assertions.Expect(details.GetByTestId("details-outcome")).ToHaveTextAsync("2xx");
            step.Stop();
            await details.GetByTestId("close-details").ClickAsync();
            await Assertions.Expect(page.GetByTestId("node-details")).ToHaveCountAsync(0);

            var open = Stopwatch.StartNew();
            await Node(page, "sendHttpRequest1").Locator(".fc-node-title").DblClickAsync();
            await Assertions.Expect(page.GetByTestId("output-data")).ToContainTextAsync("[10000]");
            open.Stop();
            var line = $"node details of a 1 MB output: open {open.ElapsedMilliseconds} ms (double-click to painted, Playwright round trips included); test step of the request {step.ElapsedMilliseconds} ms";
            output.WriteLine(line);
            await File.AppendAllTextAsync(Path.Combine(AppContext.BaseDirectory, "designer-performance.txt"), line + Environment.NewLine);
        });
    }

    private sealed class Vendor(WebApplication app, string url) : IAsyncDisposable
    {
        public string Url { get; } = url;
        public async ValueTask DisposeAsync() { await app.StopAsync(); await app.DisposeAsync(); }
    }

    /// <summary>A stub vendor on 127.0.0.1: /items answers two people, /big about 1 MB (10 000 records).</summary>
    private static async Task<Vendor> StubVendorAsync(Func<int> onItems)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/items", () => { onItems(); return Results.Json(new { items = new[] { new { name = "Ada", id = 1 }, new { name = "Grace", id = 2 } } }); });
        var big = Enumerable.Range(0, 10_000).Select(i => new { id = i, name = $"user {i}", email = $"user{i}@example.com", team = $"team {i % 40}", note = new string('x', 40) }).ToArray();
        app.MapGet("/big", () => Results.Json(new { records = big }));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Vendor(app, address.TrimEnd('/') + "/");
    }
}
