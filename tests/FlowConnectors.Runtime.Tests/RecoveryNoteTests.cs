using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Runtime.Tests;

/// <summary>Before a crash recovery runs an instance again, its journal says which calls it may send again.</summary>
public sealed class RecoveryNoteTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    // The requests go to a port nothing listens on: what matters is the note written before they are tried.
    private const string Calls = """
        { "format": 1, "id": "recovery-calls",
          "nodes": [
            { "id": "prepare", "type": "NoOp" },
            { "id": "create", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": "http://127.0.0.1:9/create" } },
            { "id": "replace", "type": "Http.SendRequest", "inputs": { "method": "PUT", "url": "http://127.0.0.1:9/replace" } },
            { "id": "read", "type": "Http.SendRequest", "inputs": { "url": "http://127.0.0.1:9/read" } } ],
          "connections": [ { "from": "prepare:done", "to": "create" }, { "from": "create:2xx", "to": "replace" }, { "from": "replace:2xx", "to": "read" } ] }
        """;

    [Fact]
    public async Task A_recovered_instance_notes_the_calls_it_may_send_again_before_it_runs()
    {
        await runtime.PublishAsync(Calls);
        var (flow, version) = await runtime.Host.CompileAsync("recovery-calls", null, CancellationToken.None);
        var state = runtime.Host.Engine.CreateInstance(flow, new JsonObject());
        // Stored leased by a worker that died: one run attempt, never saved.
        await runtime.Instances.CreateAsync(state, version, [], CancellationToken.None, "dead-node/1", DateTimeOffset.UtcNow - TimeSpan.FromMinutes(10));

        await runtime.Host.ExecuteAsync(state.InstanceId, null);

        var journal = await runtime.Instances.GetJournalAsync(state.InstanceId);
        journal[0].NodeId.ShouldBe("@recovery");
        var sentAgain = journal[0].Outputs.ShouldNotBeNull()["sentAgain"]!.AsArray();
        sentAgain.Select(n => ((string?)n!["nodeId"], (string?)n["sideEffects"])).ShouldBe([("create", "unsafe"), ("replace", "idempotent")]);
        journal[0].Outputs!["unsafeNodes"]!.AsArray().Select(n => (string?)n).ShouldBe(["create"]);
        journal.Skip(1).ShouldContain(e => e.NodeId == "prepare");
    }

    [Fact]
    public async Task A_first_run_writes_no_recovery_note()
    {
        await runtime.PublishAsync(Calls.Replace("recovery-calls", "recovery-calm"));
        var started = await runtime.Host.StartAsync("recovery-calm", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        started.Result.ShouldNotBeNull().Status.ShouldBe(FlowStatus.Faulted);
        (await runtime.Instances.GetJournalAsync(started.InstanceId)).ShouldNotContain(e => e.NodeId == "@recovery");
    }
}
