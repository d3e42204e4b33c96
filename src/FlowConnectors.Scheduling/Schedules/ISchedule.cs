namespace FlowConnectors.Scheduling;

/// <summary>
/// Pure schedule math: when does this schedule fire next? Implementations are immutable and
/// thread-safe, and never read a clock, so they can be tested on their own.
/// </summary>
public interface ISchedule
{
    /// <summary>The first occurrence strictly after <paramref name="after"/> (in UTC), or null when there is none.</summary>
    DateTimeOffset? NextAfter(DateTimeOffset after);
}

/// <summary>A schedule setting that is not valid; <see cref="Field"/> names it (<c>expression</c>, <c>timeZone</c>, …).</summary>
public sealed class ScheduleFormatException(string field, string message) : FormatException($"{field}: {message}")
{
    public string Field { get; } = field;

    /// <summary>The message without the field prefix.</summary>
    public string Reason { get; } = message;
}
