using System.Diagnostics;
using Jint;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// The script time limit without a timer per evaluation (Jint's own time constraint allocates one):
/// the deadline is a stopwatch timestamp, checked every 1,024 statements.
/// </summary>
internal sealed class DeadlineConstraint(TimeSpan timeout) : Constraint
{
    private readonly long _ticks = (long)(timeout.TotalSeconds * Stopwatch.Frequency);
    private long _deadline;
    private int _statements;

    public override void Reset()
    {
        _deadline = Stopwatch.GetTimestamp() + _ticks;
        _statements = 0;
    }

    public override void Check()
    {
        if ((++_statements & 1023) == 0 && Stopwatch.GetTimestamp() > _deadline)
            throw new TimeoutException($"script ran longer than {timeout.TotalMilliseconds:0} ms");
    }
}
