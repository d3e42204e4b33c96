using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// The stimuli a node holds in memory are bounded by their bytes (<see cref="RuntimeOptions.InboxBytesInHand"/>), not only
/// by their count: a callback that does not fit is stored unclaimed and the worker claims no more until some are done; all
/// are still processed, one larger than the whole budget too.
/// </summary>
public sealed class InboxByteBudgetTests : IAsyncLifetime
{
    private static readonly string AskThenGate = RuntimeFixture.AskFlow("ask-gate", "Test.BudgetGate");

    private const long Budget = 10_000;

    /// <summary>Holds each run that reaches it until the test opens it (or a minute passes); counts the runs that reached it.</summary>
    [Activity("Test.BudgetGate", Category = "Test")]
    internal sealed class BudgetGate : Activity
    {
        internal static SemaphoreSlim Reached = new(0);
        internal static TaskCompletionSource Open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            Reached.Release();
            await Open.Task.WaitAsync(TimeSpan.FromMinutes(1));
            return ActivityResult.Done;
        }
    }

    private readonly RuntimeFixture _runtime = new();
    private BackgroundWorkers Workers => _runtime.Services.GetRequiredService<BackgroundWorkers>();
    private IInboxStore Inbox => _runtime.Services.GetRequiredService<IInboxStore>();

    public async Task InitializeAsync()
    {
        BudgetGate.Reached = new SemaphoreSlim(0);
        BudgetGate.Open = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _runtime.Options.InboxBytesInHand = Budget;
        _runtime.Options.PollInterval = TimeSpan.FromMilliseconds(50);
        _runtime.Registry.Add<BudgetGate>();
        await _runtime.InitializeAsync();
        await _runtime.PublishAsync(AskThenGate);
        await Workers.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        BudgetGate.Open.TrySetResult();
        await Workers.StopAsync(CancellationToken.None);
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task A_callback_that_does_not_fit_beside_those_held_is_stored_unclaimed_and_resumed_once_they_are_done()
    {
        var first = await SuspendedAsync();
        var second = await SuspendedAsync();

        var held = await Workers.StoreAndResumeAsync(Callback(first.Bookmark, 6_000), first.InstanceId, first.Bookmark.Id);
        await GateReachedAsync();
        // 6,000 bytes held and 6,000 more would pass the 10,000-byte budget: stored for the workers, which claim it only later.
        var later = await Workers.StoreAndResumeAsync(Callback(second.Bookmark, 6_000), second.InstanceId, second.Bookmark.Id);
        (await Inbox.GetAsync(held)).ShouldNotBeNull().ClaimedBy.ShouldBe(_runtime.Host.LeaseOwner);
        await StaysUnclaimedWhileOthersAreHeldAsync(later, second.InstanceId);

        BudgetGate.Open.TrySetResult();

        await FinishedWithAsync(first.InstanceId, 6_000);
        await FinishedWithAsync(second.InstanceId, 6_000);
        (await _runtime.WaitForInboxMessageAsync(later, m => m.Status == InboxStatus.Processed)).InstanceId.ShouldBe(second.InstanceId);
    }

    [Fact]
    public async Task Stored_callbacks_are_claimed_oldest_first_only_while_their_bytes_fit_and_all_are_processed()
    {
        var waiting = new[] { await SuspendedAsync(), await SuspendedAsync(), await SuspendedAsync() };

        // Stored unclaimed (as callbacks that arrived while the node was busy): the workers claim them from the store.
        var ids = new List<long>();
        foreach (var (instanceId, bookmark) in waiting)
        {
            ids.Add(await Inbox.AddAsync(Callback(bookmark, 6_000)));
            Workers.Wake();
        }
        await GateReachedAsync();
        (await Inbox.GetAsync(ids[0])).ShouldNotBeNull().ClaimedBy.ShouldBe(_runtime.Host.LeaseOwner);
        // The first one's 6,000-odd bytes are held at the gate; neither of the others fits beside them.
        await StaysUnclaimedWhileOthersAreHeldAsync(ids[1], waiting[1].InstanceId);
        (await Inbox.GetAsync(ids[2])).ShouldNotBeNull().ClaimedBy.ShouldBeNull();

        BudgetGate.Open.TrySetResult();

        foreach (var (instanceId, _) in waiting) await FinishedWithAsync(instanceId, 6_000);
        foreach (var id in ids) (await _runtime.WaitForInboxMessageAsync(id, m => m.Status == InboxStatus.Processed)).InstanceId.ShouldNotBeNull();
    }

    [Fact]
    public async Task A_stimulus_larger_than_the_whole_budget_is_processed_alone_whether_handed_over_or_claimed()
    {
        var large = await SuspendedAsync();
        var small = await SuspendedAsync();
        var claimedLarge = await SuspendedAsync();

        // Nothing else is held: the 20,000-byte callback is taken although it is twice the budget, and nothing beside it.
        var held = await Workers.StoreAndResumeAsync(Callback(large.Bookmark, 20_000), large.InstanceId, large.Bookmark.Id);
        await GateReachedAsync();
        (await Inbox.GetAsync(held)).ShouldNotBeNull().ClaimedBy.ShouldBe(_runtime.Host.LeaseOwner);
        var later = await Workers.StoreAndResumeAsync(Callback(small.Bookmark, 100), small.InstanceId, small.Bookmark.Id);
        // And one stored unclaimed, larger than the budget too: the claim loop takes it once it holds nothing else.
        var stored = await Inbox.AddAsync(Callback(claimedLarge.Bookmark, 20_000));
        Workers.Wake();
        await StaysUnclaimedWhileOthersAreHeldAsync(later, small.InstanceId);
        (await Inbox.GetAsync(stored)).ShouldNotBeNull().ClaimedBy.ShouldBeNull();

        BudgetGate.Open.TrySetResult();

        await FinishedWithAsync(large.InstanceId, 20_000);
        await FinishedWithAsync(small.InstanceId, 100);
        await FinishedWithAsync(claimedLarge.InstanceId, 20_000);
        (await _runtime.WaitForInboxMessageAsync(stored, m => m.Status == InboxStatus.Processed)).InstanceId.ShouldBe(claimedLarge.InstanceId);
    }

    /// <summary>A callback whose payload's answer is <paramref name="length"/> characters, sized as the endpoint sizes it (its body).</summary>
    private static InboxMessage Callback(Bookmark bookmark, int length)
    {
        var message = RuntimeFixture.CallbackMessage(bookmark, new string('x', length));
        return message with { Size = System.Text.Encoding.UTF8.GetByteCount(message.Payload!.ToJsonString()) };
    }

    private async Task GateReachedAsync() => (await BudgetGate.Reached.WaitAsync(TimeSpan.FromSeconds(60))).ShouldBeTrue("a run reached the gate");

    /// <summary>
    /// The message stays unclaimed and its instance suspended for several of the workers' passes (50 ms each) while another
    /// run is held at the gate with its bytes.
    /// </summary>
    private async Task StaysUnclaimedWhileOthersAreHeldAsync(long id, string instanceId)
    {
        for (var pass = 0; pass < 6; pass++)
        {
            var message = (await Inbox.GetAsync(id)).ShouldNotBeNull();
            message.ClaimedBy.ShouldBeNull($"message {id} was claimed although its bytes do not fit beside those held");
            message.Status.ShouldBe(InboxStatus.Pending);
            (await _runtime.Instances.GetAsync(instanceId)).ShouldNotBeNull().State.Status.ShouldBe(FlowStatus.Suspended);
            await Task.Delay(TimeSpan.FromMilliseconds(50));
        }
        BudgetGate.Reached.CurrentCount.ShouldBe(0, "only the held run reached the gate");
    }

    private async Task FinishedWithAsync(string instanceId, int answerLength)
    {
        var done = await _runtime.WaitForInstanceAsync(instanceId, s => s.State.Status is FlowStatus.Finished or FlowStatus.Faulted);
        done.State.Status.ShouldBe(FlowStatus.Finished, done.State.Fault?.ToString());
        ((string?)done.State.Output["answer"]).ShouldNotBeNull().Length.ShouldBe(answerLength);
    }

    private async Task<(string InstanceId, Bookmark Bookmark)> SuspendedAsync()
    {
        var started = await _runtime.Host.StartAsync("ask-gate", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await _runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        return (started.InstanceId, suspended.State.Bookmarks.ShouldHaveSingleItem());
    }
}
