namespace FlowConnectors.Scheduling;

/// <summary>
/// Fires every <see cref="Every"/>. With an <see cref="Anchor"/> the occurrences are
/// <c>anchor + n·every</c> (a fixed grid); without one, the next occurrence is <c>after + every</c>.
/// </summary>
public sealed class IntervalSchedule : ISchedule
{
    public IntervalSchedule(TimeSpan every, DateTimeOffset? anchor = null)
    {
        if (every <= TimeSpan.Zero)
            throw new ScheduleFormatException("every", $"the interval must be positive, got {every}");
        Every = every;
        Anchor = anchor;
    }

    public TimeSpan Every { get; }
    public DateTimeOffset? Anchor { get; }

    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        if (Anchor is not { } anchor) return after + Every;
        if (after < anchor) return anchor;
        var periods = (after - anchor).Ticks / Every.Ticks + 1;
        return anchor + TimeSpan.FromTicks(periods * Every.Ticks);
    }

    public override string ToString() => Anchor is null ? $"every {Every}" : $"every {Every} from {Anchor:O}";
}
