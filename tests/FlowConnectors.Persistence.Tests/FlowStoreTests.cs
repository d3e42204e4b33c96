namespace FlowConnectors.Persistence.Tests;

public abstract class FlowStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IFlowStore Flows => Get<IFlowStore>();

    [Fact]
    public async Task Each_save_is_a_new_version_and_get_returns_the_latest_or_a_given_one()
    {
        var v1 = await Flows.SaveVersionAsync("greet", "Greet", """{"id":"greet","v":1}""", "acme");
        var v2 = await Flows.SaveVersionAsync("greet", null, """{"id":"greet","v":2}""", null);
        v1.Version.ShouldBe(1);
        v2.Version.ShouldBe(2);

        (await Flows.GetAsync("greet"))!.Json.ShouldBe("""{"id":"greet","v":2}""");
        var first = (await Flows.GetAsync("greet", 1))!;
        first.Json.ShouldBe("""{"id":"greet","v":1}""");
        first.ConnectorKey.ShouldBe("acme");
        first.Published.ShouldBeFalse();
        (await Flows.GetAsync("greet", 3)).ShouldBeNull();
        (await Flows.GetAsync("nope")).ShouldBeNull();
        (await Flows.ListVersionsAsync("greet")).Select(v => v.Version).ShouldBe([1, 2]);
    }

    [Fact]
    public async Task A_draft_is_not_a_version_is_replaced_by_each_save_and_listed_with_its_flow()
    {
        (await Flows.GetDraftAsync("d")).ShouldBeNull();
        await Flows.SaveDraftAsync("d", """{"id":"d","v":1}""", null);
        var second = await Flows.SaveDraftAsync("d", """{"id":"d","v":2}""", """{"fetch":{"outputs":{"body":1},"outcome":"2xx"}}""");
        var draft = (await Flows.GetDraftAsync("d"))!;
        draft.Json.ShouldBe("""{"id":"d","v":2}""");
        draft.Pins.ShouldBe(second.Pins);
        (await Flows.ListVersionsAsync("d")).ShouldBeEmpty();
        (await Flows.GetAsync("d")).ShouldBeNull();
        // A flow that has only a draft is listed, so it can be opened again.
        (await Flows.ListAsync()).Single(f => f.FlowId == "d").ShouldSatisfyAllConditions(f => f.HasDraft.ShouldBeTrue(), f => f.LatestVersion.ShouldBe(0));

        await Flows.SaveVersionAsync("d", "D", """{"id":"d","v":2}""", null);
        (await Flows.ListAsync()).Single(f => f.FlowId == "d").ShouldSatisfyAllConditions(f => f.HasDraft.ShouldBeTrue(), f => f.LatestVersion.ShouldBe(1));
        await Flows.DeleteDraftAsync("d");
        (await Flows.GetDraftAsync("d")).ShouldBeNull();
        (await Flows.ListAsync()).Single(f => f.FlowId == "d").HasDraft.ShouldBeFalse();
    }

    [Fact]
    public async Task Of_draft_saves_made_from_one_baseline_at_once_one_lands_and_the_others_are_refused_with_what_is_there_now()
    {
        async Task<string?[]> SaveAllAsync(DraftBaseline baseline) => await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(async () =>
        {
            try
            {
                return (await Flows.SaveDraftAsync("race", $$"""{"id":"race","v":{{i}}}""", null, baseline)).Json;
            }
            catch (DraftChangedException e)
            {
                e.Current.ShouldNotBeNull();
                return null;
            }
        })));

        // Eight tabs save the new flow's first draft at once.
        var landed = (await SaveAllAsync(new DraftBaseline(null, null))).OfType<string>().ToList();
        landed.Count.ShouldBe(1);
        var draft = (await Flows.GetDraftAsync("race")).ShouldNotBeNull();
        draft.Json.ShouldBe(landed[0]);
        // Eight more, all from that draft: again one lands, and the draft is the one that did.
        landed = (await SaveAllAsync(new DraftBaseline(null, draft.UpdatedAt))).OfType<string>().ToList();
        landed.Count.ShouldBe(1);
        var next = (await Flows.GetDraftAsync("race")).ShouldNotBeNull();
        next.Json.ShouldBe(landed[0]);
        next.UpdatedAt.ShouldBeGreaterThan(draft.UpdatedAt);

        // A version added meanwhile refuses a save from before it, and says which version is there.
        await Flows.SaveVersionAsync("race", null, """{"id":"race","v":"published"}""", null);
        var changed = await Should.ThrowAsync<DraftChangedException>(() => Flows.SaveDraftAsync("race", """{"id":"race","v":"late"}""", null, new DraftBaseline(null, next.UpdatedAt)));
        changed.LatestVersion.ShouldBe(1);
        changed.Current.ShouldNotBeNull().UpdatedAt.ShouldBe(next.UpdatedAt);
        var onOne = await Flows.SaveDraftAsync("race", """{"id":"race","v":"on one"}""", null, new DraftBaseline(1, next.UpdatedAt));
        onOne.LatestVersion.ShouldBe(1);
        (await Flows.GetDraftAsync("race")).ShouldNotBeNull().ShouldSatisfyAllConditions(d => d.UpdatedAt.ShouldBe(onOne.UpdatedAt), d => d.LatestVersion.ShouldBe(1));
        // Without a baseline a save replaces whatever is there.
        (await Flows.SaveDraftAsync("race", """{"id":"race","v":"over"}""", null)).Json.ShouldBe("""{"id":"race","v":"over"}""");
    }

    [Fact]
    public async Task A_flow_is_active_until_switched_off_and_only_a_stored_flow_can_be_switched()
    {
        (await Flows.SetActiveAsync("none", false)).ShouldBeFalse();
        (await Flows.GetActiveAsync("none")).ShouldBeNull();
        await Flows.SaveVersionAsync("a", "A", "{}", null);
        (await Flows.GetActiveAsync("a")).ShouldBe(true);
        (await Flows.SetActiveAsync("a", false)).ShouldBeTrue();
        (await Flows.GetActiveAsync("a")).ShouldBe(false);
        (await Flows.ListAsync()).Single(f => f.FlowId == "a").Active.ShouldBeFalse();
        // A new version does not switch it back on.
        await Flows.SaveVersionAsync("a", "A", "{\"x\":1}", null);
        (await Flows.GetActiveAsync("a")).ShouldBe(false);
    }

    [Fact]
    public async Task Publishing_moves_the_published_mark_between_versions()
    {
        await Flows.SaveVersionAsync("f", "F", "{}", null);
        await Flows.SaveVersionAsync("f", "F", "{\"a\":1}", null);
        (await Flows.GetPublishedAsync("f")).ShouldBeNull();

        (await Flows.PublishAsync("f", 1)).ShouldBeTrue();
        (await Flows.GetPublishedAsync("f"))!.Version.ShouldBe(1);
        (await Flows.PublishAsync("f", 2)).ShouldBeTrue();
        (await Flows.GetPublishedAsync("f"))!.Version.ShouldBe(2);
        (await Flows.ListVersionsAsync("f")).Select(v => v.Published).ShouldBe([false, true]);

        (await Flows.PublishAsync("f", 9)).ShouldBeFalse();
        (await Flows.PublishAsync("missing", 1)).ShouldBeFalse();
        (await Flows.GetPublishedAsync("f"))!.Version.ShouldBe(2);
    }

    [Fact]
    public async Task List_summarizes_every_flow_with_its_latest_and_published_versions()
    {
        await Flows.SaveVersionAsync("b", "Bee", "{}", "acme");
        await Flows.SaveVersionAsync("a", "Ay", "{}", null);
        await Flows.SaveVersionAsync("b", "Bee 2", "{}", null);
        await Flows.PublishAsync("b", 1);

        var list = await Flows.ListAsync();
        list.Select(f => f.FlowId).ShouldBe(["a", "b"]);
        var b = list[1];
        b.Name.ShouldBe("Bee 2");
        b.LatestVersion.ShouldBe(2);
        b.PublishedVersion.ShouldBe(1);
        b.ConnectorKey.ShouldBe("acme");
        list[0].PublishedVersion.ShouldBeNull();
    }

    [Fact]
    public async Task Concurrent_saves_of_one_flow_get_distinct_versions()
    {
        var saves = await Task.WhenAll(Enumerable.Range(0, 8).Select(i => Task.Run(() => Flows.SaveVersionAsync("busy", null, $"{{\"i\":{i}}}", null))));
        saves.Select(s => s.Version).Order().ShouldBe(Enumerable.Range(1, 8));
        (await Flows.ListAsync()).Single().LatestVersion.ShouldBe(8);
    }
}

public sealed class SqliteFlowStoreTests : FlowStoreTests<SqliteTestDatabase>;

public sealed class PostgresFlowStoreTests : FlowStoreTests<PostgresTestDatabase>;
