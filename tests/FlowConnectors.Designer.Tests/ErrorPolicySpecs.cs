using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// README "Error policies and error flows" in the browser: a node's On error settings in its details and the flow's
/// error flow in the flow settings survive a save and a reload; the Incidents tab groups a flow's repeated fault.
/// </summary>
public sealed class ErrorPolicySpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    private static StringContent JsonContent(string json) => new(json, Encoding.UTF8, "application/json");

    [Fact]
    public Task A_node_error_policy_set_in_node_details_and_the_flow_error_flow_persist_after_save_and_reload() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "policy-notifier", "name": "Policy notifier",
              "nodes": [ { "id": "fault", "type": "ErrorTrigger", "ui": { "x": 0, "y": 0 } } ], "connections": [] }
            """);
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "policy-edit", "outputs": [ { "name": "price", "type": "any" } ],
              "nodes": [
                { "id": "lookup", "type": "RunJavaScript", "inputs": { "code": "return 1;" }, "ui": { "x": 0, "y": 0 } },
                { "id": "use", "type": "SetOutput", "inputs": { "name": "price", "value": { "js": "nodes.lookup.result" } }, "ui": { "x": 320, "y": 0 } } ],
              "connections": [ { "from": "lookup:done", "to": "use" } ] }
            """);
        await OpenFlowAsync(page, "policy-edit");

        // The flow settings (nothing selected): the error flow.
        await Assertions.Expect(page.GetByTestId("flow-inspector")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("error-flow").Locator("option[value='policy-notifier']")).ToHaveCountAsync(1);
        await page.GetByTestId("error-flow").SelectOptionAsync("policy-notifier");

        // The node's details: On error.
        await page.Locator(".react-flow__node[data-id='lookup'] .fc-node-title").DblClickAsync();
        var details = page.GetByTestId("node-details");
        await Assertions.Expect(details).ToBeVisibleAsync();
        var policy = details.GetByTestId("error-policy");
        await policy.GetByTestId("error-retries").FillAsync("3");
        await policy.GetByTestId("error-delay").FillAsync("500");
        await policy.GetByTestId("error-backoff").SelectOptionAsync("exponential");
        await policy.GetByTestId("error-jitter").FillAsync("20");
        await policy.GetByTestId("error-then").SelectOptionAsync("return");
        await policy.GetByTestId("error-value").FillAsync("""{ "result": 0 }""");
        await policy.GetByTestId("side-effects").SelectOptionAsync("idempotent");
        await Assertions.Expect(page.GetByTestId("validity")).ToHaveTextAsync("0 errors, 0 warnings");

        await page.GetByTestId("save").ClickAsync();
        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        var draft = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/flows/policy-edit/draft"))!;
        var flow = draft["flow"] ?? draft;
        flow["errorFlow"]!.GetValue<string>().ShouldBe("policy-notifier");
        flow["nodes"]![0]!["sideEffects"]!.GetValue<string>().ShouldBe("idempotent");
        flow["nodes"]![0]!["onError"]!.ToJsonString().ShouldBe("""{"retries":3,"delayMs":500,"backoff":"exponential","jitter":0.2,"then":"return","value":{"result":0}}""");

        // Reloaded and reopened, the draft shows the same settings.
        await page.ReloadAsync();
        // The designer keeps its one sign-in across a reload.
        await Assertions.Expect(page.GetByTestId("user-name")).ToBeVisibleAsync();
        await OpenFlowAsync(page, "policy-edit");
        await Assertions.Expect(page.GetByTestId("error-flow")).ToHaveValueAsync("policy-notifier");
        await page.Locator(".react-flow__node[data-id='lookup'] .fc-node-title").DblClickAsync();
        policy = page.GetByTestId("node-details").GetByTestId("error-policy");
        await Assertions.Expect(policy.GetByTestId("error-retries")).ToHaveValueAsync("3");
        await Assertions.Expect(policy.GetByTestId("error-delay")).ToHaveValueAsync("500");
        await Assertions.Expect(policy.GetByTestId("error-backoff")).ToHaveValueAsync("exponential");
        await Assertions.Expect(policy.GetByTestId("error-jitter")).ToHaveValueAsync("20");
        await Assertions.Expect(policy.GetByTestId("error-then")).ToHaveValueAsync("return");
        await Assertions.Expect(policy.GetByTestId("side-effects")).ToHaveValueAsync("idempotent");
        await Assertions.Expect(policy.GetByTestId("error-value")).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("\"result\": 0"));
    });

    [Fact]
    public Task A_flow_that_faults_twice_is_one_incident_with_count_2_and_its_first_and_last_occurrence() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, """
            { "format": 1, "id": "incident-twice",
              "nodes": [ { "id": "charge", "type": "Fail", "inputs": { "message": "card declined by the test vendor" }, "ui": { "x": 0, "y": 0 } } ],
              "connections": [] }
            """);
        for (var i = 0; i < 2; i++)
        {
            using var run = await fixture.Client.PostAsync("/api/flows/incident-twice/run", JsonContent("{}"));
            var body = JsonNode.Parse(await run.Content.ReadAsStringAsync())!;
            ((string?)body["status"]).ShouldBe("faulted", body.ToJsonString());
        }

        await page.GetByTestId("tab-incidents").ClickAsync();
        await Assertions.Expect(page.GetByTestId("incidents")).ToBeVisibleAsync();
        await page.GetByTestId("incidents-flow").FillAsync("incident-twice");
        await page.GetByTestId("incidents-apply").ClickAsync();

        var row = page.GetByTestId("incident-row");
        await Assertions.Expect(row).ToHaveCountAsync(1);
        await Assertions.Expect(row.GetByTestId("incident-count")).ToHaveTextAsync("2");
        await Assertions.Expect(row).ToContainTextAsync("charge");
        await Assertions.Expect(row).ToContainTextAsync("card declined by the test vendor");

        // First and last occurrence: the two runs' times, first not after last, as the API reports them.
        var incident = JsonNode.Parse(await fixture.Client.GetStringAsync("/api/incidents?flowId=incident-twice"))!["items"]!.AsArray().ShouldHaveSingleItem()!;
        var first = DateTimeOffset.Parse((string)incident["firstAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        var last = DateTimeOffset.Parse((string)incident["lastAt"]!, System.Globalization.CultureInfo.InvariantCulture);
        first.ShouldBeLessThanOrEqualTo(last);
        var cells = row.Locator("td");
        await Assertions.Expect(cells.Nth(4)).ToHaveAttributeAsync("title", (string)incident["firstAt"]!);
        await Assertions.Expect(cells.Nth(5)).ToHaveAttributeAsync("title", (string)incident["lastAt"]!);
    });
}
