using Microsoft.AspNetCore.Builder;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// The waits of fixtures and stubs end in a clear failure, never in a hang: CI once killed the whole run at its 90-minute
/// limit because a Server.Tests test never finished.
/// </summary>
internal static class Bounded
{
    /// <summary>Longest a host (test server or stub vendor) may take to start or to stop; generous for a loaded 2-core machine.</summary>
    public static readonly TimeSpan HostWait = TimeSpan.FromMinutes(2);

    /// <summary>Longest a test waits on a stub vendor's gate or a signal from the server.</summary>
    public static readonly TimeSpan Signal = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Stops and disposes an in-process host. The token bounds Kestrel's drain of open requests (it then aborts them) and
    /// every hosted service that honours it; the outer wait bounds one that does not.
    /// </summary>
    public static async Task StopAsync(WebApplication app, string what)
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        try
        {
            await app.StopAsync(stopping.Token).WaitAsync(HostWait);
            await app.DisposeAsync().AsTask().WaitAsync(HostWait);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"{what} did not stop within {HostWait.TotalSeconds:0} s: a hosted service or a disposal never ended");
        }
    }

    /// <summary>Waits for <paramref name="task"/>, failing with <paramref name="what"/> when it takes longer than <paramref name="limit"/>.</summary>
    public static async Task<T> WithinAsync<T>(Task<T> task, TimeSpan limit, string what)
    {
        try { return await task.WaitAsync(limit); }
        catch (TimeoutException) { throw new TimeoutException($"{what} did not finish within {limit.TotalSeconds:0} s"); }
    }

    /// <inheritdoc cref="WithinAsync{T}(Task{T}, TimeSpan, string)"/>
    public static async Task WithinAsync(Task task, TimeSpan limit, string what)
    {
        try { await task.WaitAsync(limit); }
        catch (TimeoutException) { throw new TimeoutException($"{what} did not finish within {limit.TotalSeconds:0} s"); }
    }
}
