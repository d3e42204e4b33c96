using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

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
          "outputs": [ { "name": "summary", "type": "string" }, { "name": "input", "type": "any" }, { "name": "link", "type": "string" },
                       { "name": "reason", "type": "string" } ],
          "nodes": [
            { "id": "trigger", "type": "ErrorTrigger" },
            { "id": "summary", "type": "SetOutput", "inputs": { "name": "summary",
              "value": { "js": "nodes.trigger.flow.id + '/' + nodes.trigger.node.id + ': ' + nodes.trigger.message" } } },
            { "id": "input", "type": "SetOutput", "inputs": { "name": "input", "value": { "js": "nodes.trigger.input" } } },
            { "id": "link", "type": "SetOutput", "inputs": { "name": "link", "value": { "js": "nodes.trigger.instance.url" } } },
            { "id": "reason", "type": "SetOutput", "inputs": { "name": "reason", "value": { "js": "nodes.trigger.reason + '#' + nodes.trigger.occurrence" } } } ],
          "connections": [ { "from": "trigger:done", "to": "summary" }, { "from": "summary:done", "to": "input" }, { "from": "input:done", "to": "link" },
                           { "from": "link:done", "to": "reason" } ] }
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

    [Fact]
    public async Task A_fault_whose_error_flow_could_not_start_at_once_is_started_from_the_start_saved_with_it_exactly_once()
    {
        // The error flow does not exist yet when the instance faults, so the start right after the save fails: what a
        // crash between the save and the start leaves behind. The pending start was saved with the fault.
        await runtime.PublishAsync(Failing("fragile-late", "report-fault-late"));
        var faulted = await RunAsync("fragile-late");
        faulted.Status.ShouldBe(FlowStatus.Faulted);
        var errorInstanceId = WorkflowHost.ErrorFlowInstanceId(faulted.State.InstanceId);
        (await runtime.Instances.GetAsync(errorInstanceId)).ShouldBeNull();
        var pending = (await Inbox.ListPendingAsync(1000)).Where(m => m.Kind == WorkflowHost.ErrorFlowKind && m.InstanceId == faulted.State.InstanceId).ShouldHaveSingleItem();
        pending.Payload!.ToJsonString().ShouldNotContain(Canary);

        await runtime.PublishAsync(ReportFault.Replace("\"report-fault\"", "\"report-fault-late\""));
        // Delivered twice, as when a worker dies after the start and before recording it: one start.
        await runtime.Host.ProcessInboxMessageAsync(pending);
        await runtime.Host.ProcessInboxMessageAsync(pending);

        var report = await WaitForEndAsync(errorInstanceId);
        report.State.Status.ShouldBe(FlowStatus.Finished, report.State.Fault?.Message);
        ((string?)report.State.Output["summary"]).ShouldBe("fragile-late/call: vendor rejected key ***");
        ((string?)report.State.Output["reason"]).ShouldBe("fault#1");
        (await ReportsOfAsync(faulted.State.InstanceId, "report-fault-late")).ShouldBe(1);
        (await Inbox.GetAsync(pending.Id)).ShouldNotBeNull().Status.ShouldBe(InboxStatus.Processed);
    }

    [Fact]
    public async Task A_retry_that_faults_again_starts_the_error_flow_again_for_the_new_fault()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(Failing("fragile-again", "report-fault"));
        var faulted = await RunAsync("fragile-again");
        var id = faulted.State.InstanceId;
        await WaitForEndAsync(WorkflowHost.ErrorFlowInstanceId(id));

        await runtime.Services.GetRequiredService<InstanceRepairs>().RetryAsync(id, RetryTarget.Same, null, confirmUnsafe: true, "tester", CancellationToken.None);
        var second = await WaitForEndAsync(WorkflowHost.ErrorFlowInstanceId(id, 2));

        second.State.Status.ShouldBe(FlowStatus.Finished, second.State.Fault?.Message);
        ((string?)second.State.Output["reason"]).ShouldBe("fault#2");
        (await ReportsOfAsync(id)).ShouldBe(2);
    }

    [Fact]
    public async Task A_designer_test_run_of_a_draft_that_faults_starts_no_error_flow()
    {
        await runtime.PublishAsync(ReportFault);
        var draft = FlowConnectors.Engine.Flows.FlowJson.Parse(Failing("fragile-draft", "report-fault"));

        var started = await runtime.Host.StartDraftAsync(draft, Input(), TimeSpan.FromSeconds(60), CancellationToken.None);

        started.Result.ShouldNotBeNull().Status.ShouldBe(FlowStatus.Faulted);
        (await runtime.Instances.GetAsync(WorkflowHost.ErrorFlowInstanceId(started.InstanceId))).ShouldBeNull();
        (await Inbox.ListPendingAsync(1000)).ShouldNotContain(m => m.InstanceId == started.InstanceId);
    }

    [Fact]
    public async Task A_poisoned_instance_starts_its_error_flow_once_with_the_reason()
    {
        await runtime.PublishAsync(ReportFault);
        await runtime.PublishAsync(Failing("fragile-poisoned", "report-fault"));
        var (flow, version) = await runtime.Host.CompileAsync("fragile-poisoned", null, CancellationToken.None);
        var state = runtime.Host.Engine.CreateInstance(flow, Input());
        // Left running by processes that died while running it, as often as the host allows.
        var past = DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10);
        await runtime.Instances.CreateAsync(state, version, [], CancellationToken.None, "dead-node/1", past);
        for (var i = 1; i < runtime.Options.MaxCrashRecoveries; i++)
            (await runtime.Instances.TryAcquireLeaseAsync(state.InstanceId, $"dead-node/{i + 1}", past.AddSeconds(i * 10), TimeSpan.FromSeconds(1), countAttempt: true)).ShouldBeTrue();

        await runtime.Host.ExecuteAsync(state.InstanceId, null);
        await runtime.Host.ExecuteAsync(state.InstanceId, null);

        var report = await WaitForEndAsync(WorkflowHost.ErrorFlowInstanceId(state.InstanceId));
        report.State.Status.ShouldBe(FlowStatus.Finished, report.State.Fault?.Message);
        ((string?)report.State.Output["reason"]).ShouldBe("poisoned#1");
        ((string?)report.State.Output["summary"]).ShouldStartWith("fragile-poisoned/call: poisoned: the process died 3 times");
        ((string?)report.State.Output["input"]?["apiKey"]).ShouldBe("***");
        (await ReportsOfAsync(state.InstanceId)).ShouldBe(1);
    }

    private IInboxStore Inbox => runtime.Services.GetRequiredService<IInboxStore>();

    private async Task<int> ReportsOfAsync(string faultedInstanceId, params string[] errorFlows)
    {
        var count = 0;
        foreach (var flowId in errorFlows.Length > 0 ? errorFlows : ["report-fault", "broken-handler"])
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
