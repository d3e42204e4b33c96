namespace FlowConnectors.Runtime.Tests;

/// <summary>The run limits: a resume of a stored instance (a due timer, a callback) is served before new starts that wait.</summary>
public sealed class RunLimiterTests
{
    [Fact]
    public async Task A_waiting_resume_gets_the_next_slot_before_starts_that_waited_longer_and_resumes_keep_their_order()
    {
        var limiter = new RunLimiter(new RuntimeOptions { MaxConcurrentRuns = 8, MaxConcurrentRunsPerFlow = 1 });
        var held = await limiter.AcquireAsync("f", default);
        var start1 = limiter.AcquireAsync("f", default);
        var start2 = limiter.AcquireAsync("f", default);
        var resume1 = limiter.AcquireAsync("f", default, resume: true);
        var resume2 = limiter.AcquireAsync("f", default, resume: true);
        limiter.Waiting.ShouldBe(4);

        held.Dispose();
        var first = await resume1;
        new[] { start1, start2, resume2 }.ShouldAllBe(t => !t.IsCompleted);
        first.Dispose();
        var second = await resume2;
        new[] { start1, start2 }.ShouldAllBe(t => !t.IsCompleted);
        second.Dispose();
        var third = await start1;
        start2.IsCompleted.ShouldBeFalse();
        third.Dispose();
        (await start2).Dispose();
        limiter.Waiting.ShouldBe(0);
    }

    [Fact]
    public async Task A_free_slot_is_taken_by_a_resume_but_not_by_a_start_while_a_resume_waits_and_a_cancelled_wait_gives_nothing_away()
    {
        var limiter = new RunLimiter(new RuntimeOptions { MaxConcurrentRuns = 2, MaxConcurrentRunsPerFlow = 2 });
        var a = await limiter.AcquireAsync("f", default);
        var b = await limiter.AcquireAsync("g", default, resume: true);
        // Both global slots taken: a start and resumes of other flows wait (each its own flow, so only for a global slot).
        var start = limiter.AcquireAsync("h", default);
        using var cancel = new CancellationTokenSource();
        var cancelledResume = limiter.AcquireAsync("i", cancel.Token, resume: true);
        var resume = limiter.AcquireAsync("j", default, resume: true);
        await cancel.CancelAsync();
        await Should.ThrowAsync<OperationCanceledException>(() => cancelledResume);

        a.Dispose();
        (await resume).Dispose();
        (await start).Dispose();
        b.Dispose();
        // All slots back: two at once again.
        var c = await limiter.AcquireAsync("f", default);
        var d = await limiter.AcquireAsync("f", default);
        c.Dispose();
        d.Dispose();
        limiter.Waiting.ShouldBe(0);
    }
}
