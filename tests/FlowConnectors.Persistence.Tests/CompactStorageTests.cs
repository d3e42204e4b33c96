using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Persistence.Stores;
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
            rows[0].OutputsJson.ShouldBe("""{"$node":"hook"}""");
            // A map with a null value is not referred to whole; its object value still is.
            rows[1].OutputsJson.ShouldBe("""{"$refs":{"result":{"$state":["output","result"]},"missing":null}}""");
        }
        Text(await Instances.GetJournalAsync("compact-3")).ShouldBe(expected);
    }

    [Fact]
    public async Task The_stored_state_leaves_out_empty_collections_and_reads_back_with_them()
    {
        var (state, journal) = WebhookRun("compact-4", Body("4"));
        var plainState = state.ToJson();

        await Instances.CreateAsync(state, 1, journal);

        await using (var db = OpenDb())
        {
            var storedState = await db.Instances.Where(i => i.Id == "compact-4").Select(i => i.StateJson).SingleAsync();
            storedState.ShouldStartWith("bz:");
            var json = CompactJson.ReadState(storedState);
            foreach (var empty in (string[])["\"queue\"", "\"bookmarks\"", "\"joins\"", "\"variables\"", "\"nodeStates\"", "\"input\"", "\"properties\""])
                json.ShouldNotContain(empty);
            // The compressed bytes in Z85 are shorter than in base64, as stored before.
            var encoded = storedState[(storedState.IndexOf(':', 3) + 1)..];
            encoded.Length.ShouldBeLessThan(Convert.ToBase64String(CompactJson.Z85.Decode(encoded)).Length);
        }
        (await Instances.GetAsync("compact-4"))!.State.ToJson().ShouldBe(plainState);
    }

    [Fact]
    public async Task States_and_journal_references_written_in_the_earlier_forms_still_read_back()
    {
        var (state, journal) = WebhookRun("compact-5", Body("5"));
        journal[0].Outputs = new(state.NodeOutputs["hook"], StringComparer.Ordinal);
        var plainState = state.ToJson();
        var expected = Text(journal);
        await Instances.CreateAsync(state, 1, journal);

        // As written before: the full state JSON, Brotli-compressed, in base64; a whole node's outputs as a $state path.
        var utf8 = System.Text.Encoding.UTF8.GetBytes(plainState);
        var compressed = new byte[System.IO.Compression.BrotliEncoder.GetMaxCompressedLength(utf8.Length)];
        System.IO.Compression.BrotliEncoder.TryCompress(utf8, compressed, out var written, 1, 22).ShouldBeTrue();
        var earlier = $"br:{utf8.Length}:{Convert.ToBase64String(compressed, 0, written)}";
        await using (var db = OpenDb())
        {
            var row = await db.Instances.SingleAsync(i => i.Id == "compact-5");
            row.StateJson = earlier;
            var entry = await db.JournalEntries.SingleAsync(j => j.InstanceId == "compact-5" && j.Sequence == 1);
            entry.OutputsJson.ShouldBe("""{"$node":"hook"}""");
            entry.OutputsJson = """{"$state":["nodeOutputs","hook"]}""";
            await db.SaveChangesAsync();
        }

        (await Instances.GetAsync("compact-5"))!.State.ToJson().ShouldBe(plainState);
        Text(await Instances.GetJournalAsync("compact-5")).ShouldBe(expected);
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

public sealed class Z85Tests
{
    [Fact]
    public void The_specifications_example_encodes_as_given()
    {
        byte[] bytes = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B];
        var chars = new char[CompactJson.Z85.EncodedLength(bytes.Length)];
        CompactJson.Z85.Encode(bytes, chars);
        new string(chars).ShouldBe("HelloWorld");
        CompactJson.Z85.Decode("HelloWorld").ShouldBe(bytes);
    }

    [Fact]
    public void Any_length_and_any_byte_values_read_back_exactly()
    {
        var random = new Random(15);
        for (var length = 0; length <= 41; length++)
            foreach (var fill in (byte?[])[null, 0x00, 0xFF])
            {
                var bytes = new byte[length];
                if (fill is { } f) Array.Fill(bytes, f);
                else random.NextBytes(bytes);
                var chars = new char[CompactJson.Z85.EncodedLength(length)];
                CompactJson.Z85.Encode(bytes, chars);
                chars.ShouldAllBe(c => c > ' ' && c < 127 && c != '"' && c != '\\' && c != '\'');
                CompactJson.Z85.Decode(chars).ShouldBe(bytes);
            }
    }

    [Fact]
    public void A_damaged_text_is_refused()
    {
        Should.Throw<InvalidDataException>(() => CompactJson.Z85.Decode("Hello World"));
        Should.Throw<InvalidDataException>(() => CompactJson.Z85.Decode("HelloW"));
        Should.Throw<InvalidDataException>(() => CompactJson.Z85.Decode("#####"));
    }
}
