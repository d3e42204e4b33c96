using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>Retry from the failed node in the Run tab of a faulted instance.</summary>
public sealed class RetrySpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public async Task A_faulted_instance_is_retried_from_its_failed_node_after_the_unsafe_call_is_confirmed()
    {
        // A vendor that refuses the first order and takes the second.
        var status = 409;
        var calls = 0;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var vendor = builder.Build();
        vendor.Run(async context =>
        {
            Interlocked.Increment(ref calls);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync("{\"order\":\"o-1\"}", Encoding.UTF8);
        });
        await vendor.StartAsync();
        var url = vendor.Urls.First().TrimEnd('/') + "/orders";
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "retry-in-designer",
              "nodes": [
                { "id": "lookup", "type": "SetOutput", "inputs": { "name": "order", "value": "pending" }, "ui": { "x": 0, "y": 0 } },
                { "id": "placeOrder", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": "URL" }, "ui": { "x": 260, "y": 0 } },
                { "id": "done", "type": "SetOutput", "inputs": { "name": "order", "value": { "js": "nodes.placeOrder.body.order" } }, "ui": { "x": 520, "y": 0 } } ],
              "outputs": [ { "name": "order", "type": "string" } ],
              "connections": [ { "from": "lookup:done", "to": "placeOrder" }, { "from": "placeOrder:2xx", "to": "done" } ] }
            """.Replace("URL", url));
        using var run = await fixture.Client.PostAsync("/api/flows/retry-in-designer/run", new StringContent("{}", Encoding.UTF8, "application/json"));
        var instanceId = (string)JsonNode.Parse(await run.Content.ReadAsStringAsync())!["instanceId"]!;
        calls.ShouldBe(1);
        status = 201;

        await WithPageAsync(fixture, async page =>
        {
            await OpenFlowAsync(page, "retry-in-designer");
            await page.GetByTestId("tab-panel-instances").ClickAsync();
            await page.GetByTestId($"instance-{instanceId}").GetByRole(AriaRole.Button, new() { Name = "Open" }).ClickAsync();
            await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("faulted");
            await Assertions.Expect(page.GetByTestId("retry-panel")).ToContainTextAsync("placeOrder");

            await page.GetByTestId("retry-from-failed-node").ClickAsync();
            // A POST without an idempotency key may place the order twice: listed, and run only once confirmed.
            await Assertions.Expect(page.GetByTestId("retry-unsafe")).ToContainTextAsync("placeOrder");
            calls.ShouldBe(1);
            await page.GetByTestId("retry-confirm-unsafe").ClickAsync();

            await Assertions.Expect(page.GetByTestId("run-status-text")).ToHaveTextAsync("finished");
            await Assertions.Expect(page.GetByTestId("run-outputs")).ToContainTextAsync("o-1");
            await Assertions.Expect(page.GetByTestId("run-history")).ToContainTextAsync("retry by");
        });
        calls.ShouldBe(2);
    }
}
