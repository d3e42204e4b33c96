using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// How long a correlation id may be, wherever one comes in: a run's request, an event, a webhook's <c>correlationPath</c>.
/// Longer ones were stored until PostgreSQL refused the index entry, after the run (a 500, the run's work done and lost).
/// </summary>
internal static class CorrelationIdRule
{
    /// <summary>The request members' message (an attribute argument, so a literal: <see cref="RunOptions.MaxCorrelationIdLength"/>).</summary>
    public const string TooLong = "must be at most 500 characters (a correlation id)";
}
