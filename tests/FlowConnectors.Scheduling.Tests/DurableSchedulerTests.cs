using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Runtime;
using Microsoft.Extensions.Time.Testing;

namespace FlowConnectors.Scheduling.Tests;

public sealed class DurableSchedulerTests
{
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-07-01T12:00:00Z");
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10); // an upper bound for a hang, never a wait

    /// <summary>A scheduler running on a fake clock, recording what fired.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        private readonly CancellationTokenSource _stop = new();
        private Task? _loop;

        public Harness(ITimerStore? store = null, FakeTimeProvider? clock = null, Func<TimerRecord, int, Task>? onFire = null, DurableSchedulerOptions? options = null)
        {
            Store = store ?? new InMemoryTimerStore();
            Clock = clock ?? new FakeTimeProvider(Start);
            Scheduler = new DurableScheduler(Store, Clock, async (timer, _) =>
            {
                var attempt = Attempts.AddOrUpdate(timer.Id, 1, (_, n) => n + 1);
                if (onFire is not null) await onFire(timer, attempt);
                Fired.Enqueue((timer, Clock.GetUtcNow()));
            }, options ?? new DurableSchedulerOptions { PollInterval = TimeSpan.FromDays(7) });
        }

        public ITimerStore Store { get; }
        public FakeTimeProvider Clock { get; }
        public DurableScheduler Scheduler { get; }
        public ConcurrentQueue<(TimerRecord Timer, DateTimeOffset At)> Fired { get; } = new();
        public ConcurrentDictionary<string, int> Attempts { get; } = new();

        public async Task RunAsync()
        {
            _loop = Scheduler.RunAsync(_stop.Token);
            await IdleAsync();
        }

        public Task IdleAsync() => Scheduler.WhenIdleAsync().WaitAsync(Bound);

        /// <summary>Moves the fake clock and waits until the loop has handled everything due.</summary>
        public async Task AdvanceAsync(TimeSpan by)
        {
            Clock.Advance(by);
            await IdleAsync();
        }

        public async ValueTask DisposeAsync()
        {
            await _stop.CancelAsync();
            if (_loop is not null) await _loop.WaitAsync(Bound);
        }
    }

    private static TimerRecord Bookmark(string id, DateTimeOffset due) => new(id, due, TimerKinds.Bookmark, "instance-" + id, "bm-" + id, null, null);

    [Fact]
    public async Task A_timer_fires_when_the_clock_reaches_its_due_time_and_is_deleted()
    {
        await using var h = new Harness();
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(Bookmark("a", Start.AddMinutes(10)));
        await h.IdleAsync();
        h.Scheduler.WakeAt.ShouldBe(Start.AddMinutes(10));

        await h.AdvanceAsync(TimeSpan.FromMinutes(9));
        h.Fired.ShouldBeEmpty();
        h.Scheduler.WakeAt.ShouldBe(Start.AddMinutes(10));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        h.Fired.Single().Timer.Id.ShouldBe("a");
        h.Fired.Single().At.ShouldBe(Start.AddMinutes(10));
        (await h.Store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_timer_added_earlier_than_the_current_wait_fires_first()
    {
        await using var h = new Harness();
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(Bookmark("late", Start.AddHours(1)));
        await h.IdleAsync();
        h.Scheduler.WakeAt.ShouldBe(Start.AddHours(1));

        await h.Scheduler.ScheduleAsync(Bookmark("early", Start.AddMinutes(5)));
        await h.IdleAsync();
        h.Scheduler.WakeAt.ShouldBe(Start.AddMinutes(5));

        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["early"]);
        await h.AdvanceAsync(TimeSpan.FromMinutes(55));
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["early", "late"]);
    }

    [Fact]
    public async Task Without_a_signal_the_loop_still_looks_at_the_store_every_poll_interval()
    {
        await using var h = new Harness(options: new DurableSchedulerOptions { PollInterval = TimeSpan.FromMinutes(1) });
        await h.RunAsync();
        await h.Store.AddAsync(Bookmark("from-another-process", Start.AddSeconds(90))); // not through ScheduleAsync
        h.Scheduler.WakeAt.ShouldBe(Start.AddMinutes(1));
        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        h.Scheduler.WakeAt.ShouldBe(Start.AddSeconds(90));
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        h.Fired.Single().Timer.Id.ShouldBe("from-another-process");
    }

    [Fact]
    public async Task Timers_due_together_all_fire_in_due_order()
    {
        await using var h = new Harness();
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(Bookmark("second", Start.AddMinutes(2)));
        await h.Scheduler.ScheduleAsync(Bookmark("first", Start.AddMinutes(1)));
        await h.AdvanceAsync(TimeSpan.FromMinutes(3));
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["first", "second"]);
    }

    [Fact]
    public async Task With_parallelism_timers_of_different_instances_fire_side_by_side_and_those_of_one_instance_in_due_order()
    {
        var inFlight = 0;
        var sideBySide = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = new Harness(onFire: async (_, _) =>
        {
            if (Interlocked.Increment(ref inFlight) >= 2) sideBySide.TrySetResult();
            // Each fire waits for a second one running beside it; fired one at a time, it gives up after a while instead.
            await Task.WhenAny(sideBySide.Task, Task.Delay(TimeSpan.FromSeconds(3)));
            Interlocked.Decrement(ref inFlight);
        }, options: new DurableSchedulerOptions { PollInterval = TimeSpan.FromDays(7), Parallelism = 4 });
        await h.RunAsync();
        TimerRecord Of(string instance, string id, int minutes) => new(id, Start.AddMinutes(minutes), TimerKinds.Bookmark, instance, "bm-" + id, null, null);
        await h.Scheduler.ScheduleAsync(Of("instance-x", "x-second", 2));
        await h.Scheduler.ScheduleAsync(Of("instance-x", "x-first", 1));
        await h.Scheduler.ScheduleAsync(Of("instance-y", "y-only", 1));
        await h.AdvanceAsync(TimeSpan.FromMinutes(3));

        sideBySide.Task.IsCompleted.ShouldBeTrue("two instances' timers were never fired at the same time");
        h.Fired.Count.ShouldBe(3);
        h.Fired.Select(f => f.Timer.Id).Where(id => id.StartsWith("x-", StringComparison.Ordinal)).ShouldBe(["x-first", "x-second"]);
        (await h.Store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task With_parallelism_a_slow_fire_holds_up_no_timer_that_comes_due_while_it_runs()
    {
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var h = new Harness(onFire: async (timer, _) =>
        {
            if (timer.Id != "slow") return;
            slowStarted.TrySetResult();
            await release.Task.WaitAsync(Bound);
        }, options: new DurableSchedulerOptions { PollInterval = TimeSpan.FromDays(7), Parallelism = 4 });
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(Bookmark("slow", Start.AddMinutes(1)));
        await h.Scheduler.ScheduleAsync(Bookmark("later", Start.AddMinutes(2)));
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        await slowStarted.Task.WaitAsync(Bound);

        // "later" comes due while "slow" still fires (a resume waiting on a vendor): it fires all the same.
        h.Clock.Advance(TimeSpan.FromMinutes(1));
        var deadline = DateTime.UtcNow + Bound;
        while (h.Fired.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(10);
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["later"]);

        release.SetResult();
        await h.IdleAsync();
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["later", "slow"]);
        h.Attempts.Values.ShouldAllBe(n => n == 1);
        (await h.Store.ListAsync()).ShouldBeEmpty();
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public async Task A_timer_that_fires_longer_than_its_claim_stays_with_the_live_scheduler_and_fires_once(int parallelism)
    {
        var clock = new FakeTimeProvider(Start);
        var store = new InMemoryTimerStore();
        var options = new DurableSchedulerOptions { PollInterval = TimeSpan.FromSeconds(1), ClaimDuration = TimeSpan.FromSeconds(3), Parallelism = parallelism };
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var live = new Harness(store, clock, async (_, _) =>
        {
            started.TrySetResult();
            await release.Task.WaitAsync(Bound);
        }, options);
        await live.RunAsync();
        await live.Scheduler.ScheduleAsync(Bookmark("slow", Start.AddSeconds(1)));
        clock.Advance(TimeSpan.FromSeconds(1));
        await started.Task.WaitAsync(Bound);

        // The fire outlasts the 3-second claim (a resume waiting on a vendor, a start under load): the live scheduler keeps
        // extending it, so the timer is not due for anyone else.
        for (var second = 0; second < 6; second++)
        {
            clock.Advance(TimeSpan.FromSeconds(1));
            var deadline = DateTime.UtcNow + Bound;
            DateTimeOffset claimedUntil;
            while ((claimedUntil = (await store.ListDueAsync(DateTimeOffset.MaxValue, 10)).Single().DueAt) < clock.GetUtcNow() + TimeSpan.FromSeconds(2)
                   && DateTime.UtcNow < deadline)
                await Task.Delay(5);
            claimedUntil.ShouldBeGreaterThanOrEqualTo(clock.GetUtcNow() + TimeSpan.FromSeconds(2), "the claim is extended while the timer fires");
        }

        // Another node looking at the store now, four seconds after the claim would have run out, does not fire it again.
        await using var other = new Harness(store, clock, options: options);
        await other.RunAsync();
        other.Fired.ShouldBeEmpty();

        release.SetResult();
        await live.IdleAsync();
        live.Fired.Select(f => f.Timer.Id).ShouldBe(["slow"]);
        other.Fired.ShouldBeEmpty();
        (await store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public void Parallelism_below_one_is_refused() =>
        Should.Throw<ArgumentOutOfRangeException>(() => new DurableScheduler(new InMemoryTimerStore(), TimeProvider.System, (_, _) => Task.CompletedTask,
            new DurableSchedulerOptions { Parallelism = 0 }));

    [Fact]
    public async Task A_recurring_trigger_fires_on_each_occurrence_and_stores_the_next()
    {
        await using var h = new Harness();
        await h.RunAsync();
        var spec = ScheduleSpec.ForDailyAt(new TimeOnly(23, 0), "Europe/Berlin");
        await h.Scheduler.ScheduleAsync(ScheduleTriggers.CreateTimer("nightly", spec, h.Clock.GetUtcNow())!);

        await h.AdvanceAsync(TimeSpan.FromHours(9)); // 21:00 UTC = 23:00 CEST
        h.Fired.Single().Timer.DueAt.ShouldBe(DateTimeOffset.Parse("2026-07-01T21:00:00Z"));
        (await h.Store.ListAsync()).Single().DueAt.ShouldBe(DateTimeOffset.Parse("2026-07-02T21:00:00Z"));

        await h.AdvanceAsync(TimeSpan.FromDays(1));
        h.Fired.Count.ShouldBe(2);
        h.Fired.Last().Timer.TriggerId.ShouldBe("nightly");
    }

    [Fact]
    public async Task Missed_fires_during_downtime_fire_once_on_start()
    {
        var store = new InMemoryTimerStore();
        var clock = new FakeTimeProvider(Start);
        await using (var before = new Harness(store, clock))
        {
            await before.RunAsync();
            await before.Scheduler.ScheduleAsync(ScheduleTriggers.CreateTimer("hourly", ScheduleSpec.ForCron("0 * * * *"), clock.GetUtcNow())!);
            await before.Scheduler.ScheduleAsync(Bookmark("delay", Start.AddMinutes(30)));
            await before.IdleAsync();
        } // the host stops

        clock.Advance(TimeSpan.FromHours(5).Add(TimeSpan.FromMinutes(10))); // down from 12:00 to 17:10: five hourly fires missed

        await using var after = new Harness(store, clock);
        (await after.Scheduler.StartAsync()).ShouldBe(2);
        after.Fired.Select(f => f.Timer.Kind).ShouldBe(["bookmark", "trigger"], ignoreOrder: true);
        after.Fired.Single(f => f.Timer.Kind == "trigger").Timer.DueAt.ShouldBe(Start.AddHours(1));
        var remaining = (await store.ListAsync()).Single();
        remaining.TriggerId.ShouldBe("hourly");
        remaining.DueAt.ShouldBe(DateTimeOffset.Parse("2026-07-01T18:00:00Z")); // rescheduled from now

        await after.RunAsync();
        after.Fired.Count.ShouldBe(2);
        await after.AdvanceAsync(TimeSpan.FromMinutes(50));
        after.Fired.Count.ShouldBe(3);
    }

    [Fact]
    public async Task Duplicate_timers_of_one_trigger_left_by_a_crash_are_reduced_to_the_latest_on_start()
    {
        var store = new InMemoryTimerStore();
        var spec = ScheduleSpec.ForInterval(TimeSpan.FromHours(1));
        await store.AddAsync(ScheduleTriggers.CreateTimer("t", spec, Start.AddHours(-2))!);  // fired, then the host crashed
        await store.AddAsync(ScheduleTriggers.CreateTimer("t", spec, Start.AddHours(-1))!);  // its successor, already stored
        await using var h = new Harness(store);
        (await h.Scheduler.StartAsync()).ShouldBe(1);
        h.Fired.Single().Timer.DueAt.ShouldBe(Start);
        (await store.ListAsync()).Single().DueAt.ShouldBe(Start.AddHours(1));
    }

    [Fact]
    public async Task A_failing_callback_is_retried_and_the_loop_survives()
    {
        var options = new DurableSchedulerOptions { MaxAttempts = 3, RetryDelay = TimeSpan.FromSeconds(10), PollInterval = TimeSpan.FromDays(7) };
        await using var h = new Harness(onFire: (timer, attempt) =>
            timer.Id == "flaky" && attempt < 3 ? throw new InvalidOperationException("backend down") : Task.CompletedTask, options: options);
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(Bookmark("flaky", Start.AddMinutes(1)));
        await h.Scheduler.ScheduleAsync(Bookmark("other", Start.AddMinutes(1).AddSeconds(5)));

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        h.Attempts["flaky"].ShouldBe(1);
        h.Scheduler.WakeAt.ShouldBe(Start.AddMinutes(1).AddSeconds(5)); // the retry does not hold up other timers
        await h.AdvanceAsync(TimeSpan.FromSeconds(5));
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["other"]);
        await h.AdvanceAsync(TimeSpan.FromSeconds(5)); // first retry after 10 s
        h.Attempts["flaky"].ShouldBe(2);
        await h.AdvanceAsync(TimeSpan.FromSeconds(20)); // second retry after 20 s more
        h.Attempts["flaky"].ShouldBe(3);
        h.Fired.Select(f => f.Timer.Id).ShouldBe(["other", "flaky"]);
        h.Fired.Last().Timer.DueAt.ShouldBe(Start.AddMinutes(1)); // the callback sees the timer as first due
        (await h.Store.ListAsync()).ShouldBeEmpty();

        await h.Scheduler.ScheduleAsync(Bookmark("after", Start.AddMinutes(5)));
        await h.AdvanceAsync(TimeSpan.FromMinutes(5));
        h.Fired.Last().Timer.Id.ShouldBe("after");
    }

    [Fact]
    public async Task A_callback_that_always_fails_is_given_up_after_the_attempts_but_its_trigger_keeps_its_schedule()
    {
        var options = new DurableSchedulerOptions { MaxAttempts = 2, RetryDelay = TimeSpan.FromSeconds(1), PollInterval = TimeSpan.FromDays(7) };
        await using var h = new Harness(onFire: (_, _) => throw new InvalidOperationException("always"), options: options);
        await h.RunAsync();
        await h.Scheduler.ScheduleAsync(ScheduleTriggers.CreateTimer("every-hour", ScheduleSpec.ForInterval(TimeSpan.FromHours(1)), Start)!);
        await h.AdvanceAsync(TimeSpan.FromHours(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        h.Attempts.Values.Sum().ShouldBe(2);
        var next = (await h.Store.ListAsync()).Single();
        next.DueAt.ShouldBe(Start.AddHours(2));
        next.Id.ShouldNotContain("#retry");
    }

    [Fact]
    public async Task A_store_that_fails_is_logged_and_retried_without_ending_the_loop()
    {
        var store = new FlakyStore(failures: 2);
        await using var h = new Harness(store, options: new DurableSchedulerOptions { RetryDelay = TimeSpan.FromSeconds(1) });
        var loop = h.RunAsync(); // the first two looks at the store fail
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await h.AdvanceAsync(TimeSpan.FromSeconds(1));
        await loop;
        await h.Scheduler.ScheduleAsync(Bookmark("x", h.Clock.GetUtcNow().AddSeconds(30)));
        await h.AdvanceAsync(TimeSpan.FromSeconds(30));
        h.Fired.Single().Timer.Id.ShouldBe("x");
    }

    [Fact]
    public async Task A_delay_bookmark_becomes_a_timer_that_resumes_the_instance_when_due()
    {
        var clock = new FakeTimeProvider(Start);
        var engine = TriggerActivityTests.Engine(clock);
        var flow = engine.Compile(FlowJson.Parse("""
        { "format": 1, "id": "wait", "outputs": [ { "name": "resumedAt", "type": "string" } ],
          "nodes": [ { "id": "wait", "type": "Delay", "inputs": { "duration": "PT15M" } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "resumedAt", "value": { "js": "dates.now()" } } } ],
          "connections": [ { "from": "wait:done", "to": "out" } ] }
        """));
        var first = await engine.RunAsync(flow);
        first.Status.ShouldBe(FlowStatus.Suspended);
        var saved = first.State.ToJson(); // what a host persists

        var timers = DelayTimers.FromBookmarks(first.State);
        timers.Single().ShouldBe(new TimerRecord($"bookmark:{first.State.InstanceId}:{first.Bookmarks.Single().Id}",
            Start.AddMinutes(15), "bookmark", first.State.InstanceId, first.Bookmarks.Single().Id, null, null));

        var results = new ConcurrentQueue<Engine.Runtime.FlowRunResult>();
        var store = new InMemoryTimerStore();
        var scheduler = new DurableScheduler(store, clock, async (timer, ct) =>
        {
            var state = FlowInstanceState.FromJson(saved);
            results.Enqueue(await engine.ResumeAsync(flow, state, timer.BookmarkId!, null, ct));
        });
        using var stop = new CancellationTokenSource();
        var loop = scheduler.RunAsync(stop.Token);
        await scheduler.WhenIdleAsync().WaitAsync(Bound);
        foreach (var timer in timers) await scheduler.ScheduleAsync(timer);
        await scheduler.WhenIdleAsync().WaitAsync(Bound);
        clock.Advance(TimeSpan.FromMinutes(15));
        await scheduler.WhenIdleAsync().WaitAsync(Bound);

        var resumed = results.Single();
        resumed.Status.ShouldBe(FlowStatus.Finished, resumed.Fault?.ToString());
        resumed.Outputs["resumedAt"]!.GetValue<string>().ShouldBe("2026-07-01T12:15:00Z");
        await stop.CancelAsync();
        await loop.WaitAsync(Bound);
    }

    [Fact]
    public void Only_delay_bookmarks_become_timers()
    {
        var state = new FlowInstanceState { InstanceId = "i", FlowId = "f" };
        state.Bookmarks.Add(new Bookmark { Id = "e", NodeId = "n", ScopeId = 0, Name = "event", Hash = "h" });
        state.Bookmarks.Add(new Bookmark { Id = "d", NodeId = "m", ScopeId = 0, Name = "delay", Hash = "h2", Payload = new JsonObject { ["resumeAt"] = "2026-07-01T12:15:00Z" } });
        DelayTimers.FromBookmarks(state).Select(t => t.BookmarkId).ShouldBe(["d"]);
    }

    private sealed class FlakyStore(int failures) : ITimerStore
    {
        private readonly InMemoryTimerStore _inner = new();
        private int _failures = failures;

        public Task AddAsync(TimerRecord timer, CancellationToken ct = default) => _inner.AddAsync(timer, ct);
        public Task<IReadOnlyList<TimerRecord>> ListDueAsync(DateTimeOffset now, int max, CancellationToken ct = default) =>
            Interlocked.Decrement(ref _failures) >= 0 ? throw new IOException("database is locked") : _inner.ListDueAsync(now, max, ct);
        public Task<IReadOnlyList<TimerRecord>> ClaimDueAsync(string owner, DateTimeOffset now, int max, DateTimeOffset claimUntil, CancellationToken ct = default) =>
            Interlocked.Decrement(ref _failures) >= 0 ? throw new IOException("database is locked") : _inner.ClaimDueAsync(owner, now, max, claimUntil, ct);
        public Task<IReadOnlyCollection<string>> ExtendClaimsAsync(string owner, IReadOnlyCollection<string> ids, DateTimeOffset claimUntil, CancellationToken ct = default) =>
            _inner.ExtendClaimsAsync(owner, ids, claimUntil, ct);
        public Task<IReadOnlyList<TimerRecord>> ListAsync(CancellationToken ct = default) => _inner.ListAsync(ct);
        public Task<bool> DeleteAsync(string id, CancellationToken ct = default) => _inner.DeleteAsync(id, ct);
        public Task DeleteForInstanceAsync(string instanceId, CancellationToken ct = default) => _inner.DeleteForInstanceAsync(instanceId, ct);
    }
}
