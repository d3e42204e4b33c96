using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Runtime.Tests;

/// <summary>
/// A callback whose bookmark the endpoint has just found is stored claimed by this process and resumed here at once
/// (<see cref="BackgroundWorkers.StoreAndResumeAsync"/>), without a claim pass or a lookup by hash; stored first, so a
/// process that dies before the resume leaves it for the next one.
/// </summary>
public sealed class CallbackHandoverTests(CallbackHandoverTests.RunningWorkers fixture) : IClassFixture<CallbackHandoverTests.RunningWorkers>
{
    internal static readonly string Ask = RuntimeFixture.AskFlow("ask");

    /// <summary>The runtime with its background workers running (started once: a stopped worker does not start again).</summary>
    public sealed class RunningWorkers : IAsyncLifetime
    {
        public RuntimeFixture Runtime { get; } = new();
        internal BackgroundWorkers Background => Runtime.Services.GetRequiredService<BackgroundWorkers>();

        public async Task InitializeAsync()
        {
            await Runtime.InitializeAsync();
            await Runtime.PublishAsync(Ask);
            await Background.StartAsync(CancellationToken.None);
        }

        public async Task DisposeAsync()
        {
            await Background.StopAsync(CancellationToken.None);
            await Runtime.DisposeAsync();
        }
    }

    private RuntimeFixture Runtime => fixture.Runtime;
    private BackgroundWorkers Workers => fixture.Background;
    private IInboxStore Inbox => Runtime.Services.GetRequiredService<IInboxStore>();

    [Fact]
    public async Task A_callback_handed_over_as_it_is_stored_resumes_its_instance_once_and_a_second_one_for_the_spent_bookmark_waits()
    {
        var (instanceId, bookmark) = await SuspendedAsync();

        var id = await Workers.StoreAndResumeAsync(RuntimeFixture.CallbackMessage(bookmark, "yes"), instanceId, bookmark.Id);

        var done = await Runtime.WaitForInstanceAsync(instanceId, s => s.State.Status == FlowStatus.Finished);
        ((string?)done.State.Output["answer"]).ShouldBe("yes");
        var processed = await Runtime.WaitForInboxMessageAsync(id, m => m.Status == InboxStatus.Processed);
        processed.InstanceId.ShouldBe(instanceId);

        // The same URL posted twice at once: both passed the endpoint's check, the second finds its bookmark spent and
        // waits like any callback without a bookmark, resuming nothing.
        var again = await Workers.StoreAndResumeAsync(RuntimeFixture.CallbackMessage(bookmark, "no"), instanceId, bookmark.Id);
        (await Runtime.WaitForInboxMessageAsync(again, m => m.Status == InboxStatus.Waiting)).InstanceId.ShouldBeNull();
        var after = (await Runtime.Instances.GetAsync(instanceId))!;
        ((string?)after.State.Output["answer"]).ShouldBe("yes");
        (await Runtime.Instances.GetJournalAsync(instanceId)).Count(e => e.NodeId == "out").ShouldBe(1);
    }

    [Fact]
    public async Task A_callback_stored_claimed_by_a_process_that_died_before_resuming_it_is_resumed_by_the_next_one()
    {
        var (instanceId, bookmark) = await SuspendedAsync();
        var identity = Runtime.Services.GetRequiredService<NodeIdentity>();
        // What the endpoint of this node's previous process stored, claimed for itself, before it died.
        var id = await Inbox.AddAsync(RuntimeFixture.CallbackMessage(bookmark, "late") with { ClaimedBy = identity.NodeId + "/dead", ClaimedUntil = DateTimeOffset.UtcNow.AddHours(1) });

        // The node starts again: it takes back what its previous process held, and its workers resume it.
        await Runtime.Host.ReclaimLeasesAsync();
        Workers.Wake();

        var done = await Runtime.WaitForInstanceAsync(instanceId, s => s.State.Status == FlowStatus.Finished);
        ((string?)done.State.Output["answer"]).ShouldBe("late");
        (await Runtime.WaitForInboxMessageAsync(id, m => m.Status == InboxStatus.Processed)).InstanceId.ShouldBe(instanceId);
    }

    private async Task<(string InstanceId, Bookmark Bookmark)> SuspendedAsync()
    {
        var started = await Runtime.Host.StartAsync("ask", null, null, new RunOptions(), TimeSpan.FromSeconds(30), CancellationToken.None);
        var suspended = await Runtime.WaitForInstanceAsync(started.InstanceId, s => s.State.Status == FlowStatus.Suspended);
        return (started.InstanceId, suspended.State.Bookmarks.ShouldHaveSingleItem());
    }
}
