using FlowConnectors.Engine;

namespace FlowConnectors.Persistence.Tests;

public abstract class LeaseTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private IInstanceStore Instances => Get<IInstanceStore>();
    private static readonly TimeSpan Minute = TimeSpan.FromMinutes(1);

    [Fact]
    public async Task Only_one_owner_holds_an_unexpired_lease()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Running), 1, []);

        (await Instances.TryAcquireLeaseAsync("i1", "worker-a", T0, Minute)).ShouldBeTrue();
        (await Instances.TryAcquireLeaseAsync("i1", "worker-b", T0.AddSeconds(30), Minute)).ShouldBeFalse();
        // The holder may renew.
        (await Instances.TryAcquireLeaseAsync("i1", "worker-a", T0.AddSeconds(30), Minute)).ShouldBeTrue();
        var stored = (await Instances.GetAsync("i1"))!;
        stored.LeaseOwner.ShouldBe("worker-a");
        stored.LeaseExpiresAt.ShouldBe(T0.AddSeconds(90));
        (await Instances.TryAcquireLeaseAsync("missing", "worker-a", T0, Minute)).ShouldBeFalse();

        // Releasing by someone else does nothing; by the owner frees it.
        await Instances.ReleaseLeaseAsync("i1", "worker-b");
        (await Instances.TryAcquireLeaseAsync("i1", "worker-b", T0.AddSeconds(40), Minute)).ShouldBeFalse();
        await Instances.ReleaseLeaseAsync("i1", "worker-a");
        (await Instances.GetAsync("i1"))!.LeaseOwner.ShouldBeNull();
        (await Instances.TryAcquireLeaseAsync("i1", "worker-b", T0.AddSeconds(40), Minute)).ShouldBeTrue();
    }

    [Fact]
    public async Task An_expired_lease_can_be_taken_over()
    {
        await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State("i1", status: FlowStatus.Running), 1, []);
        (await Instances.TryAcquireLeaseAsync("i1", "worker-a", T0, Minute)).ShouldBeTrue();
        (await Instances.TryAcquireLeaseAsync("i1", "worker-b", T0.AddSeconds(59), Minute)).ShouldBeFalse();
        (await Instances.TryAcquireLeaseAsync("i1", "worker-b", T0.AddSeconds(61), Minute)).ShouldBeTrue();
        (await Instances.GetAsync("i1"))!.LeaseOwner.ShouldBe("worker-b");
        (await Instances.TryAcquireLeaseAsync("i1", "worker-a", T0.AddSeconds(62), Minute)).ShouldBeFalse();
    }

    [Fact]
    public async Task Racing_owners_never_both_win()
    {
        for (var round = 0; round < 5; round++)
        {
            var id = $"race-{round}";
            await Instances.CreateAsync(InstanceStoreTests<TDatabase>.State(id, status: FlowStatus.Running), 1, []);
            var attempts = await Task.WhenAll(Enumerable.Range(0, 8).Select(w =>
                Task.Run(() => Instances.TryAcquireLeaseAsync(id, $"worker-{w}", T0, Minute))));
            attempts.Count(won => won).ShouldBe(1);
        }
    }

    [Fact]
    public async Task An_instance_created_leased_belongs_to_its_creator_until_the_lease_expires()
    {
        var store = Instances;
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("fresh", status: FlowStatus.Running), 1, [], default, "creator", T0.AddMinutes(2));
        (await store.FindOrphanedAsync(T0)).ShouldNotContain("fresh");
        (await store.TryAcquireLeaseAsync("fresh", "recovery", T0, Minute)).ShouldBeFalse();
        (await store.TryAcquireLeaseAsync("fresh", "creator", T0, Minute)).ShouldBeTrue();
        (await store.FindOrphanedAsync(T0.AddMinutes(5))).ShouldContain("fresh");
    }

    [Fact]
    public async Task A_worker_whose_lease_was_taken_over_cannot_overwrite_the_instance_and_a_saving_worker_gives_its_lease_back()
    {
        var store = Instances;
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("taken", status: FlowStatus.Running), 1, [], default, "slow-node", T0.AddSeconds(4));
        // The slow node's lease ran out before it renewed it; another node took the instance over.
        (await store.TryAcquireLeaseAsync("taken", "other-node", T0.AddSeconds(5), Minute, countAttempt: true)).ShouldBeTrue();

        // The slow node's run, stopped as "lost", must not store itself as cancelled over what the other node runs.
        var cancelled = InstanceStoreTests<TDatabase>.State("taken", status: FlowStatus.Cancelled);
        await Should.ThrowAsync<LeaseLostException>(() => store.SaveAsync(cancelled, [], default, leaseOwner: "slow-node"));
        var kept = (await store.GetAsync("taken"))!;
        kept.State.Status.ShouldBe(FlowStatus.Running);
        kept.LeaseOwner.ShouldBe("other-node");

        // The holder's save goes through and releases the lease in the same write once the instance waits or has ended.
        await store.SaveAsync(InstanceStoreTests<TDatabase>.State("taken", status: FlowStatus.Suspended, bookmarkHashes: "h"), [], default, leaseOwner: "other-node");
        var saved = (await store.GetAsync("taken"))!;
        saved.State.Status.ShouldBe(FlowStatus.Suspended);
        saved.LeaseOwner.ShouldBeNull();
        saved.RunAttempts.ShouldBe(0);
    }

    [Fact]
    public async Task A_run_handed_back_as_its_node_stops_is_not_counted_as_a_death()
    {
        var store = Instances;
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("handed", status: FlowStatus.Running), 1, [], default, "stopping-node", T0.AddMinutes(1));
        (await store.GetAsync("handed"))!.RunAttempts.ShouldBe(1);
        await store.ReleaseLeaseAsync("handed", "stopping-node", default, forgetAttempt: true);
        var released = (await store.GetAsync("handed"))!;
        released.LeaseOwner.ShouldBeNull();
        released.RunAttempts.ShouldBe(0);
        // Released by someone who does not hold it: nothing changes.
        (await store.TryAcquireLeaseAsync("handed", "next-node", T0, Minute, countAttempt: true)).ShouldBeTrue();
        await store.ReleaseLeaseAsync("handed", "stopping-node", default, forgetAttempt: true);
        (await store.GetAsync("handed"))!.RunAttempts.ShouldBe(1);
    }

    [Fact]
    public async Task Orphans_are_running_instances_without_a_live_lease()
    {
        var store = Instances;
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("no-lease", status: FlowStatus.Running), 1, []);
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("live", status: FlowStatus.Running), 1, []);
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("expired", status: FlowStatus.Running), 1, []);
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("suspended", status: FlowStatus.Suspended), 1, []);
        await store.CreateAsync(InstanceStoreTests<TDatabase>.State("finished", status: FlowStatus.Finished), 1, []);
        (await store.TryAcquireLeaseAsync("live", "a", T0, TimeSpan.FromMinutes(10))).ShouldBeTrue();
        (await store.TryAcquireLeaseAsync("expired", "b", T0.AddMinutes(-5), Minute)).ShouldBeTrue();
        (await store.TryAcquireLeaseAsync("suspended", "c", T0.AddMinutes(-5), Minute)).ShouldBeTrue();

        (await store.FindOrphanedAsync(T0)).Order(StringComparer.Ordinal).ShouldBe(["expired", "no-lease"]);
        (await store.FindOrphanedAsync(T0.AddMinutes(11))).Order(StringComparer.Ordinal).ShouldBe(["expired", "live", "no-lease"]);
    }
}

public sealed class SqliteLeaseTests : LeaseTests<SqliteTestDatabase>;

public sealed class PostgresLeaseTests : LeaseTests<PostgresTestDatabase>;
