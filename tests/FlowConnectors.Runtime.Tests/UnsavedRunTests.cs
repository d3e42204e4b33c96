using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.Data.Sqlite;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// A synchronous start whose finished state cannot be saved (issue 15: starts keep no copy of their starting state, the
/// host makes it again only when needed): the instance is stored as faulted with the reason, from its starting state,
/// and the caller is told — it is never left unstored, nor stored as finished, nor run again.
/// </summary>
public sealed class UnsavedRunTests(RuntimeFixture runtime) : IClassFixture<RuntimeFixture>
{
    private const string Flow = """
        { "format": 1, "id": "unsaved-sync",
          "inputs": [ { "name": "order", "type": "object" } ],
          "outputs": [ { "name": "total", "type": "number" } ],
          "variables": [ { "name": "seen", "type": "number", "default": 1 } ],
          "nodes": [ { "id": "count", "type": "SetVariable", "inputs": { "name": "seen", "value": 5 } },
                     { "id": "total", "type": "SetOutput", "inputs": { "name": "total", "value": { "js": "input.order.qty * 2" } } } ],
          "connections": [ { "from": "count:done", "to": "total" } ] }
        """;

    [Fact]
    public async Task A_sync_start_whose_finished_state_cannot_be_saved_is_stored_faulted_from_its_starting_state()
    {
        // This spec is of a run stored only at its end. Its first run here is cold (the script engine's first use), and on a
        // loaded machine it outlasted the default second: then it was stored as running first, and its end was an update
        // the trigger below does not refuse. A run that outlasts the wait is its own path, with its own specs.
        runtime.Options.RunVisibleAfter = TimeSpan.FromMinutes(5);
        await runtime.PublishAsync(Flow);
        // The database itself refuses this flow's finished rows (and nothing else): a real failed insert, not a stand-in store.
        await using (var connection = new SqliteConnection($"Data Source={Path.Combine(runtime.Options.DataFolder, "runtime.db")}"))
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = """
                CREATE TRIGGER "refuse_unsaved_sync" BEFORE INSERT ON "Instances"
                WHEN NEW."FlowId" = 'unsaved-sync' AND NEW."Status" = 'Finished'
                BEGIN SELECT RAISE(ABORT, 'the disk refused the row'); END;
                """;
            await command.ExecuteNonQueryAsync();
        }

        var input = new JsonObject { ["order"] = new JsonObject { ["qty"] = 21 } };
        var started = await runtime.Host.StartAsync("unsaved-sync", null, input, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);

        // The caller learns that its run did not count.
        var result = started.Result.ShouldNotBeNull();
        result.Status.ShouldBe(FlowStatus.Faulted);
        result.Fault.ShouldNotBeNull().Message.ShouldContain("could not be saved after its run");
        result.Fault.Message.ShouldContain("the disk refused the row");

        // What is stored is the starting state, faulted with the same reason: the input as given, the variable's default,
        // no output, nothing queued or waiting, no lease; the run is not tried again.
        var stored = await runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Faulted);
        stored.State.Fault.ShouldNotBeNull().Message.ShouldBe(result.Fault.Message);
        stored.State.Input["order"]!.ToJsonString().ShouldBe("""{"qty":21}""");
        ((double?)stored.State.Variables["seen"]).ShouldBe(1);
        stored.State.Output.ShouldBeEmpty();
        stored.State.Queue.ShouldBeEmpty();
        stored.State.Bookmarks.ShouldBeEmpty();
        (await runtime.Instances.GetJournalAsync(started.InstanceId)).ShouldBeEmpty();
        input.ToJsonString().ShouldBe("""{"order":{"qty":21}}""");
    }
}
