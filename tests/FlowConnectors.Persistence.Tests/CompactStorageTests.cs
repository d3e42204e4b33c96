using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Tests;

/// <summary>
/// An ended run is stored compact (its state compressed, its journal referring to the state instead of copying
/// it) and reads back exactly as it was run.
/// </summary>
public abstract class CompactStorageTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();

    private static JsonObject Body(string marker) => JsonNode.Parse($$"""
        {"a":21,"orderId":"ord-{{marker}}","customer":{"id":"c-47","name":"Ada King","email":"ada@example.io"},
         "items":[{"sku":"A-100","qty":2,"price":9.5},{"sku":"B-200","qty":1,"price":19.9}],"currency":"EUR"}
        """)!.AsObject();

    /// <summary>The three-node webhook run of bench/webhook-vs-peers.sh, ended.</summary>
    private static (FlowInstanceState State, List<JournalEntry> Journal) WebhookRun(string id, JsonObject body)
    {
        var headers = new JsonObject { ["content-type"] = "application/json", ["host"] = "127.0.0.1:5080", ["content-length"] = "202" };
        var result = body.DeepClone().AsObject();
        result["added"] = 42;
        var state = new FlowInstanceState
        {
            InstanceId = id, FlowId = "bench-webhook", FlowVersion = "1", Status = FlowStatus.Finished, CreatedAt = T0, UpdatedAt = T0,
            TriggerPayload = new JsonObject { ["method"] = "POST", ["path"] = "bench", ["headers"] = headers.DeepClone(), ["query"] = new JsonObject(), ["body"] = body.DeepClone() },
        };
        state.NodeOutputs["hook"] = new(StringComparer.Ordinal) { ["method"] = "POST", ["headers"] = headers.DeepClone(), ["query"] = new JsonObject(), ["body"] = body.DeepClone() };
        state.NodeOutputs["add"] = new(StringComparer.Ordinal) { ["result"] = result.DeepClone() };
        state.Output["result"] = result.DeepClone();
        List<JournalEntry> journal =
        [
            new() { NodeId = "hook", ActivityType = "Http.Endpoint", StartedAt = T0, Outcome = "done",
                Inputs = new() { ["path"] = "bench", ["methods"] = new JsonArray("POST") },
                Outputs = new() { ["method"] = "POST", ["headers"] = headers.DeepClone(), ["query"] = new JsonObject(), ["body"] = body.DeepClone() } },
            new() { NodeId = "add", ActivityType = "RunJavaScript", StartedAt = T0, Outcome = "done",
                Inputs = new() { ["code"] = "const p = nodes.hook.body;\np.added = p.a * 2;\nreturn p;" },
                Outputs = new() { ["result"] = result.DeepClone() } },
            new() { NodeId = "respond", ActivityType = "Return", StartedAt = T0, Outcome = "finish",
                // A value that looks like a reference is data, and stays data.
                Inputs = new() { ["outputs"] = new JsonObject { ["result"] = result.DeepClone() }, ["note"] = new JsonObject { ["$state"] = new JsonArray("output") } } },
        ];
        return (state, journal);
    }

    private static string Text(IEnumerable<JournalEntry> journal) => JsonSerializer.Serialize(journal.Select(e => new { e.NodeId, e.Inputs, e.Outputs }));

    [Fact]
    public async Task An_ended_run_is_stored_in_less_than_half_the_bytes_and_reads_back_exactly()
    {
        var (state, journal) = WebhookRun("compact-1", Body("1"));
        var plainState = state.ToJson();
        var plainJournal = journal.Sum(e => JsonSerializer.Serialize(e.Inputs).Length + (e.Outputs is null ? 0 : JsonSerializer.Serialize(e.Outputs).Length));
        var expected = Text(journal);

        await Instances.CreateAsync(state, 1, journal);

        await using (var db = OpenDb())
        {
            var storedState = await db.Instances.Where(i => i.Id == "compact-1").Select(i => i.StateJson).SingleAsync();
            var rows = await db.JournalEntries.Where(j => j.InstanceId == "compact-1").ToListAsync();
            var stored = storedState.Length + rows.Sum(j => (j.InputsJson?.Length ?? 0) + (j.OutputsJson?.Length ?? 0));
            stored.ShouldBeLessThan((plainState.Length + plainJournal) / 2);
        }
        var read = await Instances.GetAsync("compact-1");
        read!.State.ToJson().ShouldBe(plainState);
        Text(await Instances.GetJournalAsync("compact-1")).ShouldBe(expected);
    }

    [Fact]
    public async Task A_journal_holding_the_states_own_objects_is_stored_as_references_and_reads_back_exactly()
    {
        // As the engine records a run: the journal's outputs are the very objects the state keeps (no copies).
        var (state, journal) = WebhookRun("compact-3", Body("3"));
        journal[0].Outputs = new(state.NodeOutputs["hook"], StringComparer.Ordinal);
        journal[1].Outputs = new(StringComparer.Ordinal) { ["result"] = state.NodeOutputs["add"]["result"], ["missing"] = null };
        state.NodeOutputs["add"]["missing"] = null;
        var expected = Text(journal);

        await Instances.CreateAsync(state, 1, journal);

        await using (var db = OpenDb())
        {
            var rows = await db.JournalEntries.Where(j => j.InstanceId == "compact-3").OrderBy(j => j.Sequence).ToListAsync();
            rows[0].OutputsJson.ShouldBe("""{"$state":["nodeOutputs","hook"]}""");
            // A map with a null value is not referred to whole; its object value still is.
            rows[1].OutputsJson.ShouldBe("""{"$refs":{"result":{"$state":["output","result"]},"missing":null}}""");
        }
        Text(await Instances.GetJournalAsync("compact-3")).ShouldBe(expected);
    }

    [Fact]
    public async Task A_waiting_instance_keeps_full_journal_entries_and_its_later_saves_read_back()
    {
        var (state, journal) = WebhookRun("compact-2", Body("2"));
        state.Status = FlowStatus.Suspended;
        state.Bookmarks.Add(new Bookmark { Id = "b", NodeId = "respond", ScopeId = 0, Name = "event", Hash = "h-compact-2", CreatedAt = T0 });
        await Instances.CreateAsync(state, 1, journal.Take(2).ToList());

        // The state changes after this: entries written while it waits hold their own values.
        state.Status = FlowStatus.Finished;
        state.Bookmarks.Clear();
        state.NodeOutputs["add"]["result"] = "changed";
        await Instances.SaveAsync(state, journal.Skip(2).ToList());

        Text(await Instances.GetJournalAsync("compact-2")).ShouldBe(Text(journal));
        (await Instances.GetAsync("compact-2"))!.State.ToJson().ShouldBe(state.ToJson());
    }
}

public sealed class SqliteCompactStorageTests : CompactStorageTests<SqliteTestDatabase>;

public sealed class PostgresCompactStorageTests : CompactStorageTests<PostgresTestDatabase>;
