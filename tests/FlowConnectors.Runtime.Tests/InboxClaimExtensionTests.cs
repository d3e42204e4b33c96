using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// Stimuli a node holds keep their claims however long they wait there: callbacks handed over behind a slow run of
/// their hash are not taken by another node once the time they were first claimed until has passed, and are processed
/// once, here.
/// </summary>
public sealed class InboxClaimExtensionTests : IAsyncLifetime
{
    private static readonly string AskThenHold = RuntimeFixture.AskFlow("ask-hold", "Test.HeldGate");

    /// <summary>Waits until the test opens it (or a minute passes); tells the test when a run reached it.</summary>
    [Activity("Test.HeldGate", Category = "Test")]
    internal sealed class HeldGate : Activity
    {
        internal static readonly TaskCompletionSource Reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
        internal static readonly TaskCompletionSource Open = new(TaskCreationOptions.RunContinuationsAsynchronously);

        protected override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
        {
            Reached.TrySetResult();
            await Open.Task.WaitAsync(TimeSpan.FromMinutes(1));
            return ActivityResult.Done;
        }
    }

    private readonly RuntimeFixture _runtime = new();
    private BackgroundWorkers Workers => _runtime.Services.GetRequiredService<BackgroundWorkers>();
    private IInboxStore Inbox => _runtime.Services.GetRequiredService<IInboxStore>();

    public async Task InitializeAsync()
    {
        // A short claim window (claims and leases last 4 s), so a held stimulus outlives its first claim within the test; this
        // node's worker looks for work once at start and not again within the test, so only the other node below looks.
        _runtime.Options.LeaseDuration = TimeSpan.FromSeconds(4);
        _runtime.Options.PollInterval = TimeSpan.FromMinutes(5);
        _runtime.Registry.Add<HeldGate>();
        await _runtime.InitializeAsync();
        await _runtime.PublishAsync(AskThenHold);
        await Workers.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        HeldGate.Open.TrySetResult();
        await Workers.StopAsync(CancellationToken.None);
        await _runtime.DisposeAsync();
    }

    [Fact]
    public async Task Callbacks_held_past_their_first_claim_time_keep_their_claims_and_are_processed_once_here()
    {
        var started = await _runtime.Host.StartAsync("ask-hold", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await _runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        var bookmark = suspended.State.Bookmarks.ShouldHaveSingleItem();

        // The first callback's run waits at the gate; the second (the same URL posted again) waits behind it, as its hash's next.
        var first = await Workers.StoreAndResumeAsync(RuntimeFixture.CallbackMessage(bookmark, "yes"), started.InstanceId, bookmark.Id);
        var second = await Workers.StoreAndResumeAsync(RuntimeFixture.CallbackMessage(bookmark, "again"), started.InstanceId, bookmark.Id);
        await HeldGate.Reached.Task.WaitAsync(TimeSpan.FromSeconds(60));
        var firstClaimedUntil = (await Inbox.GetAsync(second)).ShouldNotBeNull().ClaimedUntil.ShouldNotBeNull();
        while (DateTimeOffset.UtcNow < firstClaimedUntil + TimeSpan.FromSeconds(1)) await Task.Delay(100);

        // Another node's worker looking now finds nothing to take: both claims were extended, and are still this node's.
        var now = DateTimeOffset.UtcNow;
        var queue = _runtime.Services.GetRequiredService<IRunQueue>();
        (await queue.ClaimInboxAsync("other-node/1", 10, now, now + TimeSpan.FromMinutes(1))).ShouldBeEmpty();
        var held = (await Inbox.GetAsync(second)).ShouldNotBeNull();
        held.ClaimedBy.ShouldBe(_runtime.Host.LeaseOwner);
        held.ClaimedUntil.ShouldNotBeNull().ShouldBeGreaterThan(now);

        HeldGate.Open.TrySetResult();

        var done = await _runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Finished);
        ((string?)done.State.Output["answer"]).ShouldBe("yes");
        (await _runtime.WaitForInboxMessageAsync(first, m => m.Status == InboxStatus.Processed)).InstanceId.ShouldBe(started.InstanceId);
        // The second found the bookmark spent and waits like any early callback; nothing resumed twice.
        (await _runtime.WaitForInboxMessageAsync(second, m => m.Status == InboxStatus.Waiting)).InstanceId.ShouldBeNull();
        (await _runtime.Instances.GetJournalAsync(started.InstanceId)).Count(e => e.NodeId == "out").ShouldBe(1);
    }
}
