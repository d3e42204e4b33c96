using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Persistence.Tests;

public abstract class InboxStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInboxStore Inbox => Get<IInboxStore>();

    private static InboxMessage Message(string hash, int minute, InboxStatus status = InboxStatus.Pending) => new()
    {
        Kind = "webhook",
        Hash = hash,
        Headers = new JsonObject { ["content-type"] = "application/json" },
        Body = Encoding.UTF8.GetBytes($$"""{"n":{{minute}}}"""),
        Payload = new JsonObject { ["n"] = minute },
        ReceivedAt = T0.AddMinutes(minute),
        Status = status,
    };

    [Fact]
    public async Task A_message_round_trips_with_headers_body_and_payload()
    {
        var id = await Inbox.AddAsync(Message("h", 1));
        id.ShouldBeGreaterThan(0);
        var stored = (await Inbox.GetAsync(id))!;
        stored.Id.ShouldBe(id);
        stored.Kind.ShouldBe("webhook");
        stored.Hash.ShouldBe("h");
        stored.Headers["content-type"]!.GetValue<string>().ShouldBe("application/json");
        Encoding.UTF8.GetString(stored.Body).ShouldBe("""{"n":1}""");
        stored.Payload!["n"]!.GetValue<int>().ShouldBe(1);
        stored.ReceivedAt.ShouldBe(T0.AddMinutes(1));
        stored.Status.ShouldBe(InboxStatus.Pending);
        stored.Attempts.ShouldBe(0);
        (await Inbox.GetAsync(id + 1000)).ShouldBeNull();
    }

    [Fact]
    public async Task Pending_lists_oldest_first_and_waiting_lists_by_hash()
    {
        var a = await Inbox.AddAsync(Message("h1", 1));
        var b = await Inbox.AddAsync(Message("h2", 2));
        var c = await Inbox.AddAsync(Message("h1", 3));
        var waiting = await Inbox.AddAsync(Message("h1", 4, InboxStatus.Waiting));

        (await Inbox.ListPendingAsync(10)).Select(m => m.Id).ShouldBe([a, b, c]);
        (await Inbox.ListPendingAsync(2)).Select(m => m.Id).ShouldBe([a, b]);
        (await Inbox.ListWaitingAsync("h1")).Select(m => m.Id).ShouldBe([waiting]);
        (await Inbox.ListWaitingAsync("h2")).ShouldBeEmpty();

        await Inbox.UpdateAsync(a, InboxStatus.Processed, null, "instance-1");
        await Inbox.UpdateAsync(b, InboxStatus.Waiting, null, null);
        await Inbox.UpdateAsync(c, InboxStatus.Failed, "no flow", null);

        (await Inbox.ListPendingAsync(10)).ShouldBeEmpty();
        (await Inbox.ListWaitingAsync("h2")).Select(m => m.Id).ShouldBe([b]);
        var processed = (await Inbox.GetAsync(a))!;
        processed.Status.ShouldBe(InboxStatus.Processed);
        processed.InstanceId.ShouldBe("instance-1");
        processed.Attempts.ShouldBe(1);
        var failed = (await Inbox.GetAsync(c))!;
        failed.Status.ShouldBe(InboxStatus.Failed);
        failed.Error.ShouldBe("no flow");

        // A later update without an instance keeps the recorded one and counts the attempt.
        await Inbox.UpdateAsync(a, InboxStatus.Failed, "retry", null);
        var again = (await Inbox.GetAsync(a))!;
        again.InstanceId.ShouldBe("instance-1");
        again.Attempts.ShouldBe(2);
        again.Error.ShouldBe("retry");
    }
}

public sealed class SqliteInboxStoreTests : InboxStoreTests<SqliteTestDatabase>;

public sealed class PostgresInboxStoreTests : InboxStoreTests<PostgresTestDatabase>;
