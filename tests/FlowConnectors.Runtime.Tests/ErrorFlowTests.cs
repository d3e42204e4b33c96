using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// README "Error policies and error flows": a flow's errorFlow starts once per unhandled fault of its instances, with
/// the fault and the inputs redacted; never for a handled fault, and never from an error flow's own fault.
/// </summary>
public sealed class ErrorFlowTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    private const string Canary = "canary-7f3a9c1e-secret";

    private const string ReportFault = """
        { "format": 1, "id": "report-fault",
          "outputs": [ { "name": "summary", "type": "string" }, { "name": "input", "type": "any" }, { "name": "link", "type": "string" } ],
          "nodes": [
            { "id": "trigger", "type": "ErrorTrigger" },
            { "id": "summary", "type": "SetOutput", "inputs": { "name": "summary",
              "value": { "js": "nodes.trigger.flow.id + '/' + nodes.trigger.node.id + ': ' + nodes.trigger.message" } } },
            { "id": "input", "type": "SetOutput", "inputs": { "name": "input", "value": { "js": "nodes.trigger.input" } } },
            { "id": "link", "type": "SetOutput", "inputs": { "name": "link", "value": { "js": "nodes.trigger.instance.url" } } } ],
          "connections": [ { "from": "trigger:done", "to": "summary" }, { "from": "summary:done", "to": "input" }, { "from": "input:done", "to": "link" } ] }
        """;

    private static string Failing(string id, string errorFlow, bool handled = false) => $$"""
        { "format": 1, "id": "{{id}}", "start": "call",
          "inputs": [ { "name": "apiKey", "type": "string", "secret": true }, { "name": "note", "type": "string" } ],
          "nodes": [
            { "id": "call", "type": "Fail", "inputs": { "message": { "js": "'vendor rejected key ' + input.apiKey" } } },
            { "id": "recover", "type": "NoOp" } ],
          "connections": [ {{(handled ? """{ "from": "call:fault", "to": "recover" }""" : "")}} ],
          "errorFlow": "{{errorFlow}}" }
        """;

    private const string BrokenHandler = """
        { "format": 1, "id": "broken-handler",
          "nodes": [ { "id": "trigger", "type": "ErrorTrigger" }, { "id": "boom", "type": "Fail", "inputs": { "message": "the handler broke too" } } ],
          "connections": [ { "from": "trigger:done", "to": "boom" } ],
          "errorFlow": "report-fault" }
        """;

    private static JsonObject Input() => new() { ["apiKey"] = Canary, ["note"] = "copied by mistake: " + Canary };

    private async Task<FlowRunResult> RunAsync(string flowId)
    {
        var started = await runtime.Host.StartAsync(flowId, null, Input(), new RunOptions(), TimeSpan.FromSeconds(60), CancellationToken.None);
        return started.Result.ShouldNotBeNull();
    }

    [Fact]
    public async Task An_unhandled_fault_starts_the_error_flow_once_with_the_fault_and_the_inputs_redacted()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(Failing("fragile", "report-fault"));

        var faulted = await RunAsync("fragile");
        faulted.Status.ShouldBe(FlowStatus.Faulted);

        var report = await WaitForEndAsync(WorkflowHost.ErrorFlowInstanceId(faulted.State.InstanceId));
        report.State.FlowId.ShouldBe("report-fault");
        report.State.Status.ShouldBe(FlowStatus.Finished, report.State.Fault?.Message);
        ((string?)report.State.Output["summary"]).ShouldBe("fragile/call: vendor rejected key ***");
        ((string?)report.State.Output["link"]).ShouldBe($"/api/instances/{faulted.State.InstanceId}");
        var input = report.State.Output["input"].ShouldBeOfType<JsonObject>();
        ((string?)input["apiKey"]).ShouldBe("***");
        ((string?)input["note"]).ShouldBe("copied by mistake: ***");
        // The secret canary is nowhere in what the error flow's instance stored, nor in its journal.
        report.State.ToJson().ShouldNotContain(Canary);
        (await runtime.Instances.GetJournalAsync(report.State.InstanceId)).ShouldAllBe(e => !System.Text.Json.JsonSerializer.Serialize(e, (System.Text.Json.JsonSerializerOptions?)null).Contains(Canary));

        // Once: exactly one error-flow instance names this fault.
        var reports = await ReportsOfAsync(faulted.State.InstanceId);
        reports.ShouldBe(1);
    }

    [Fact]
    public async Task A_second_start_for_the_same_fault_is_refused_so_a_fault_is_reported_once()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(Failing("fragile-twice", "report-fault"));
        var faulted = await RunAsync("fragile-twice");
        var id = WorkflowHost.ErrorFlowInstanceId(faulted.State.InstanceId);
        await WaitForEndAsync(id);

        // What a recovery that repeated the start would do: the same id, which the store already holds.
        await Should.ThrowAsync<Exception>(() => runtime.Host.StartAsync("report-fault", null, null, new RunOptions { InstanceId = id }, TimeSpan.FromSeconds(30), CancellationToken.None));
        (await ReportsOfAsync(faulted.State.InstanceId)).ShouldBe(1);
    }

    [Fact]
    public async Task A_handled_fault_starts_no_error_flow()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(Failing("sturdy", "report-fault", handled: true));

        var finished = await RunAsync("sturdy");

        finished.Status.ShouldBe(FlowStatus.Finished);
        // The run (its error-flow step included) is over when StartAsync answers.
        (await runtime.Instances.GetAsync(WorkflowHost.ErrorFlowInstanceId(finished.State.InstanceId))).ShouldBeNull();
    }

    [Fact]
    public async Task An_error_flow_that_faults_starts_no_error_flow_of_its_own()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(BrokenHandler);
        await runtime.PublishAsync(Failing("fragile-to-broken", "broken-handler"));

        var faulted = await RunAsync("fragile-to-broken");
        faulted.Status.ShouldBe(FlowStatus.Faulted);

        var handler = await WaitForEndAsync(WorkflowHost.ErrorFlowInstanceId(faulted.State.InstanceId));
        handler.State.FlowId.ShouldBe("broken-handler");
        handler.State.Status.ShouldBe(FlowStatus.Faulted);
        // Its lease is released only after its own error-flow step ran: nothing was started for it.
        (await runtime.Instances.GetAsync(WorkflowHost.ErrorFlowInstanceId(handler.State.InstanceId))).ShouldBeNull();
        (await ReportsOfAsync(handler.State.InstanceId)).ShouldBe(0);
    }

    private async Task<int> ReportsOfAsync(string faultedInstanceId)
    {
        var count = 0;
        foreach (var flowId in (string[])["report-fault", "broken-handler"])
            foreach (var summary in await runtime.Instances.ListAsync(new InstanceQuery(FlowId: flowId, Take: 1000)))
                if ((await runtime.Instances.GetAsync(summary.InstanceId))?.State.TriggerPayload?["fault"]?["instance"]?["id"]?.GetValue<string>() == faultedInstanceId)
                    count++;
        return count;
    }

    private async Task<StoredInstance> WaitForEndAsync(string instanceId)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(60);
        while (true)
        {
            if (await runtime.Instances.GetAsync(instanceId) is { } stored && stored.State.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled
                && stored.LeaseOwner is null)
                return stored;
            if (DateTimeOffset.UtcNow > deadline) throw new TimeoutException($"instance {instanceId} did not end");
            await Task.Delay(20);
        }
    }
}
