namespace FlowConnectors.Runtime;

/// <summary>
/// Lets one line through per interval and counts the ones held back meanwhile, for conditions that repeat with every
/// request while they last (a full disk): the first occurrence is logged at once, then at most one line per interval.
/// </summary>
public sealed class ThrottledLog(TimeProvider clock)
{
    /// <summary>One line per 30 s while a condition lasts, for every such log of the server alike.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    private readonly Lock _gate = new();
    private DateTimeOffset _loggedAt = DateTimeOffset.MinValue;
    private int _held;

    /// <returns>True when this occurrence is to be logged, with how many were held back since the last logged one.</returns>
    public bool TryEnter(out int heldBack)
    {
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (now - _loggedAt < Interval)
            {
                _held++;
                heldBack = 0;
                return false;
            }
            heldBack = _held;
            _held = 0;
            _loggedAt = now;
            return true;
        }
    }
}
