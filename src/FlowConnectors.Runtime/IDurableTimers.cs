namespace FlowConnectors.Runtime;

/// <summary>
/// The runtime's timer contract: durable timers that resume a bookmark or fire a trigger when due. The
/// scheduler (FlowConnectors.Scheduling) implements it over an <see cref="ITimerStore"/> and calls back into
/// the runtime when a timer is due; the CLI, which runs no scheduler, fires due timers itself.
/// </summary>
public interface IDurableTimers
{
    /// <summary>Stores a timer (replacing one with the same id) and makes sure it fires when due.</summary>
    Task ScheduleAsync(TimerRecord timer, CancellationToken ct = default);

    /// <summary>Removes a timer; false when there was none.</summary>
    Task<bool> CancelAsync(string timerId, CancellationToken ct = default);

    /// <summary>A timer someone else stored (with its instance, in one transaction) is due at <paramref name="dueAt"/>.</summary>
    void TimerStored(DateTimeOffset dueAt);
}
