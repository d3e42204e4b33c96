using FlowConnectors.Collection;

namespace FlowConnectors.Persistence.Tests;

public abstract class CollectionStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private ICollectionStore Store => Get<ICollectionStore>();

    private static CollectedUser User(string id, string? department = "Sales", DateTimeOffset? last = null, string? name = null, DateTimeOffset? created = null) => new()
    {
        VendorId = id,
        Email = $"{id}@example.com",
        Name = name ?? $"User {id}",
        Department = department,
        Status = "active",
        CreatedAt = created,
        LastActivityAt = last,
        Application = "Slack",
    };

    [Fact]
    public async Task Upserting_users_inserts_new_vendor_ids_and_updates_known_ones_per_connector()
    {
        (await Store.UpsertUsersAsync("slack", [User("u1"), User("u2"), User("u1", "Support")], T0)).ShouldBe(new UpsertResult(2, 0));
        (await Store.UpsertUsersAsync("slack", [User("u2", "Legal"), User("u3")], T0.AddDays(1))).ShouldBe(new UpsertResult(1, 1));
        // Another connector's users with the same vendor ids are different users.
        (await Store.UpsertUsersAsync("github", [User("u1")], T0)).ShouldBe(new UpsertResult(1, 0));

        var page = await Store.QueryUsersAsync("slack", new UserQuery { Sort = "vendorId" });
        page.Total.ShouldBe(3);
        page.Items.Select(u => (u.User.VendorId, u.User.Department)).ShouldBe([("u1", "Support"), ("u2", "Legal"), ("u3", "Sales")]);
        var u2 = page.Items[1];
        u2.FirstSeenAt.ShouldBe(T0);
        u2.LastSeenAt.ShouldBe(T0.AddDays(1));
        u2.User.Application.ShouldBe("Slack");
    }

    [Fact]
    public async Task An_import_writer_keeps_its_connection_across_pages_and_counts_each_user_once_per_page()
    {
        await Store.UpsertUsersAsync("slack", [User("known", "Old")], T0);
        await using (var writer = await Store.OpenUserWriterAsync("slack", T0.AddDays(1)))
        {
            (await writer.UpsertAsync([User("a"), User("known", "New"), User("a", "Support")])).ShouldBe(new UpsertResult(1, 1));
            (await writer.UpsertAsync([User("b"), User("a", "Legal")])).ShouldBe(new UpsertResult(1, 1));
            (await writer.UpsertAsync([])).ShouldBe(default);
        }
        // A page written while the writer is open is visible to everyone else once it returns.
        var page = await Store.QueryUsersAsync("slack", new UserQuery { Sort = "vendorId" });
        page.Items.Select(u => (u.User.VendorId, u.User.Department)).ShouldBe([("a", "Legal"), ("b", "Sales"), ("known", "New")]);
        var known = page.Items[2];
        known.FirstSeenAt.ShouldBe(T0);
        known.LastSeenAt.ShouldBe(T0.AddDays(1));
        page.Items[0].FirstSeenAt.ShouldBe(T0.AddDays(1));
    }

    [Fact]
    public async Task Upserted_text_and_times_come_back_exactly_including_quotes_accents_emoji_and_nulls()
    {
        var created = new DateTimeOffset(2021, 3, 4, 5, 6, 7, 891, TimeSpan.Zero);
        var tricky = new CollectedUser
        {
            VendorId = "id \"quoted\" \\ back'slash",
            Email = "zoë@exämple.com",
            Name = "Łukasz 😀 O'Brien\n<tab>\t",
            Department = "研究開発",
            Status = null,
            CreatedAt = created,
            LastActivityAt = null,
            Application = null,
        };
        var empty = new CollectedUser { VendorId = "empty", Email = "", Name = new string('n', 2_000) };
        (await Store.UpsertUsersAsync("k", [tricky, User("plain"), empty], T0)).ShouldBe(new UpsertResult(3, 0));
        (await Store.QueryUsersAsync("k", new UserQuery { Search = "nnnn" })).Items.ShouldHaveSingleItem().User.ShouldBe(empty);
        (await Store.UpsertUsersAsync("k", [tricky with { Status = "active" }], T0)).ShouldBe(new UpsertResult(0, 1));

        var stored = (await Store.QueryUsersAsync("k", new UserQuery { Sort = "vendorId" })).Items.Single(u => u.User.VendorId == tricky.VendorId);
        stored.User.ShouldBe(tricky with { Status = "active" });
    }

    [Fact]
    public async Task The_users_table_sorts_filters_searches_and_pages()
    {
        var users = Enumerable.Range(1, 25).Select(i => User($"u{i:00}", i % 2 == 0 ? "Sales" : "Engineering", T0.AddDays(-i), name: $"Name {26 - i:00}")).ToList();
        await Store.UpsertUsersAsync("k", users, T0);

        var byName = await Store.QueryUsersAsync("k", new UserQuery { Sort = "name", PageSize = 10, Page = 2 });
        byName.Total.ShouldBe(25);
        byName.Items.Select(u => u.User.Name).ShouldBe(Enumerable.Range(11, 10).Select(i => $"Name {i:00}"));
        var recent = await Store.QueryUsersAsync("k", new UserQuery { Sort = "lastActivity", Descending = true, PageSize = 3 });
        recent.Items.Select(u => u.User.VendorId).ShouldBe(["u01", "u02", "u03"]);
        var sales = await Store.QueryUsersAsync("k", new UserQuery { Department = "Sales", PageSize = 100 });
        sales.Total.ShouldBe(12);
        var search = await Store.QueryUsersAsync("k", new UserQuery { Search = "U07@EXAMPLE" });
        search.Items.ShouldHaveSingleItem().User.VendorId.ShouldBe("u07");
    }

    [Fact]
    public async Task The_summary_counts_active_inactive_and_new_users_and_groups_by_department_and_month()
    {
        var now = new DateTimeOffset(2026, 11, 20, 12, 0, 0, TimeSpan.Zero);
        await Store.UpsertUsersAsync("k", [
            User("a", "Sales", now.AddDays(-1), created: new DateTimeOffset(2026, 11, 3, 0, 0, 0, TimeSpan.Zero)),
            User("b", "Sales", now.AddDays(-45), created: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            User("c", "Support", now.AddDays(-400), created: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)),
            User("d", null, null, created: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)),
        ], now);

        var summary = await Store.SummarizeAsync("k", now);
        summary.TotalUsers.ShouldBe(4);
        summary.Active30Days.ShouldBe(1);
        summary.Active90Days.ShouldBe(2);
        summary.Inactive.ShouldBe(2);
        summary.NewThisMonth.ShouldBe(1);
        summary.ByDepartment.ShouldBe([("Sales", 2), ("(none)", 1), ("Support", 1)]);
        summary.ActivityByMonth.Count.ShouldBe(12);
        summary.ActivityByMonth[^1].ShouldBe(("2026-11", 1));
        summary.ActivityByMonth[^2].ShouldBe(("2026-10", 1));
        summary.ActivityByMonth.Sum(m => m.Users).ShouldBe(2); // c is older than twelve months
    }

    [Fact]
    public async Task Runs_are_saved_as_they_progress_and_listed_newest_first()
    {
        var run = new CollectionRun { Id = "r1", ConnectorKey = "k", Trigger = "manual", StartedAt = T0 };
        await Store.SaveRunAsync(run);
        await Store.SaveRunAsync(run with { Pages = 3, Records = 300, Inserted = 250, Updated = 40, Filtered = 10 });
        await Store.SaveRunAsync(new CollectionRun { Id = "r2", ConnectorKey = "k", Trigger = "schedule", StartedAt = T0.AddDays(1), Status = CollectionRunStatus.Failed, Error = "page 4: HTTP 500", StoppedAt = "page 4" });
        await Store.SaveRunAsync(new CollectionRun { Id = "other", ConnectorKey = "x", Trigger = "manual", StartedAt = T0 });

        (await Store.ListRunsAsync("k", 10)).Select(r => r.Id).ShouldBe(["r2", "r1"]);
        var saved = (await Store.GetRunAsync("r1"))!;
        saved.ShouldBe(run with { Pages = 3, Records = 300, Inserted = 250, Updated = 40, Filtered = 10 });
        (await Store.GetRunAsync("r2"))!.Error.ShouldBe("page 4: HTTP 500");
        (await Store.GetRunAsync("missing")).ShouldBeNull();
    }

    [Fact]
    public async Task Sources_keep_their_schedule_and_deleting_users_removes_their_runs_too()
    {
        var source = new CollectionSource { ConnectorKey = "k", Name = "Slack users", Vendor = "Slack", ConnectionId = "c1", ScheduleTime = "06:30", TimeZone = "Europe/Berlin", CreatedAt = T0 };
        await Store.SaveSourceAsync(source);
        await Store.SaveSourceAsync(source with { ScheduleEnabled = false });
        (await Store.GetSourceAsync("k")).ShouldBe(source with { ScheduleEnabled = false });
        (await Store.ListSourcesAsync()).ShouldHaveSingleItem();

        await Store.UpsertUsersAsync("k", [User("u1")], T0);
        await Store.SaveRunAsync(new CollectionRun { Id = "r", ConnectorKey = "k", Trigger = "manual", StartedAt = T0 });
        await Store.DeleteUsersAsync("k");
        await Store.DeleteSourceAsync("k");
        (await Store.QueryUsersAsync("k", new UserQuery())).Total.ShouldBe(0);
        (await Store.ListRunsAsync("k", 10)).ShouldBeEmpty();
        (await Store.GetSourceAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task Pages_written_together_are_counted_page_by_page_so_a_user_on_two_pages_is_one_insert_and_one_update()
    {
        await using var writer = await Store.OpenUserWriterAsync("slack", T0);
        (await writer.UpsertPagesAsync([[User("a"), User("b")], [User("b", "Legal"), User("c")], []])).ShouldBe(new UpsertResult(3, 1));
        (await Store.QueryUsersAsync("slack", new UserQuery { Sort = "vendorId" })).Items.Select(u => u.User.Department).ShouldBe(["Sales", "Legal", "Sales"]);
    }

    [Fact]
    public async Task An_import_cancelled_inside_a_write_keeps_none_of_it_and_keeps_no_other_writer_waiting()
    {
        using var cancel = new CancellationTokenSource();
        await using var writer = await Store.OpenUserWriterAsync("slack", T0);
        // The second page is handed over while the first is written in the same transaction, and cancels the import.
        var thrown = await Should.ThrowAsync<Exception>(() => writer.UpsertPagesAsync([[User("a"), User("b")], new CancellingPage(cancel, User("c"))], cancel.Token));
        thrown.ShouldBeAssignableTo<OperationCanceledException>();

        // The writer is still open (the import has not ended yet): another writer of the process gets in now.
        var other = Store.UpsertUsersAsync("github", [User("g")], T0);
        (await Task.WhenAny(other, Task.Delay(TimeSpan.FromSeconds(20)))).ShouldBe(other, "a write waited for the cancelled import's transaction");
        (await other).ShouldBe(new UpsertResult(1, 0));
        (await Store.QueryUsersAsync("slack", new UserQuery())).Total.ShouldBe(0, "the cancelled write was kept in part");
        // And the same writer goes on with the next page.
        (await writer.UpsertAsync([User("d")])).ShouldBe(new UpsertResult(1, 0));
    }

    /// <summary>A page whose users are read once the write has begun; reading it cancels <paramref name="cancel"/>.</summary>
    private sealed class CancellingPage(CancellationTokenSource cancel, params CollectedUser[] users) : IReadOnlyList<CollectedUser>
    {
        public CollectedUser this[int index] => users[index];
        public int Count => users.Length;

        public IEnumerator<CollectedUser> GetEnumerator()
        {
            cancel.Cancel();
            return ((IEnumerable<CollectedUser>)users).GetEnumerator();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    [Fact]
    public async Task Accepting_a_run_removes_the_users_it_did_not_see_and_users_first_seen_after_the_accepted_run_stay_hidden()
    {
        await Store.SaveSourceAsync(new CollectionSource { ConnectorKey = "k", Name = "S", Vendor = "V", ConnectionId = "c", CreatedAt = T0 });
        await Store.UpsertUsersAsync("k", [User("u1"), User("u2")], T0);
        await Store.AcceptRunAsync("k", T0);
        (await Store.GetSourceAsync("k"))!.AcceptedAt.ShouldBe(T0);

        // A later run that is not accepted (suspicious, failed or still going): its new user is not shown yet.
        var later = T0.AddHours(1);
        await Store.UpsertUsersAsync("k", [User("u1", "Legal"), User("u3")], later);
        (await Store.CountSeenAsync("k", later)).ShouldBe(2);
        (await Store.QueryUsersAsync("k", new UserQuery { Sort = "vendorId" })).Items.Select(u => u.User.VendorId).ShouldBe(["u1", "u2"]);
        (await Store.SummarizeAsync("k", later)).TotalUsers.ShouldBe(2);

        await Store.AcceptRunAsync("k", later);
        (await Store.QueryUsersAsync("k", new UserQuery { Sort = "vendorId" })).Items.Select(u => (u.User.VendorId, u.User.Department)).ShouldBe([("u1", "Legal"), ("u3", "Sales")]);
        // A schedule saved afterwards leaves the accepted run alone.
        await Store.SaveSourceAsync((await Store.GetSourceAsync("k"))! with { ScheduleEnabled = false, AcceptedAt = null });
        (await Store.GetSourceAsync("k"))!.AcceptedAt.ShouldBe(later);
    }

    [Fact]
    public async Task A_runs_user_count_warning_and_confirmation_are_kept()
    {
        var run = new CollectionRun
        {
            Id = "r1", ConnectorKey = "k", Trigger = "manual", Status = CollectionRunStatus.Suspicious, StartedAt = T0, Users = 86,
            Warning = "collected 86 users, under 50 %", ConfirmedAt = T0.AddHours(2),
        };
        await Store.SaveRunAsync(run);
        (await Store.GetRunAsync("r1")).ShouldBe(run);
    }
}

public sealed class SqliteCollectionStoreTests : CollectionStoreTests<SqliteTestDatabase>;

public sealed class PostgresCollectionStoreTests : CollectionStoreTests<PostgresTestDatabase>;
