using System.Collections.Concurrent;

namespace FlowConnectors.Runtime;

/// <summary>
/// How many runs execute at once: in all (<see cref="RuntimeOptions.MaxConcurrentRuns"/>) and per flow
/// (<see cref="RuntimeOptions.MaxConcurrentRunsPerFlow"/>). More wait, in order, for a slot; the slot is held
/// from a run's start (or resume) to its end or suspension. CPU-bound flows can then use some cores, never
/// all threads: the management API and the other flows keep answering.
/// </summary>
public sealed class RunLimiter
{
    private readonly SemaphoreSlim _global;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _perFlow = new(StringComparer.Ordinal);
    private readonly int _perFlowLimit;
    private readonly int _maxQueued;
    private int _waiting;

    internal RunLimiter(RuntimeOptions options)
    {
        GlobalLimit = options.MaxConcurrentRuns > 0 ? options.MaxConcurrentRuns : Math.Max(8, Environment.ProcessorCount * 4);
        _perFlowLimit = options.MaxConcurrentRunsPerFlow > 0 ? options.MaxConcurrentRunsPerFlow : Math.Max(2, Environment.ProcessorCount);
        _maxQueued = Math.Max(0, options.MaxQueuedRuns);
        _global = new SemaphoreSlim(GlobalLimit, GlobalLimit);
        // Runs that compute (scripts, templates) hold a pool thread each; with the pool's minimum at the core
        // count, requests would wait for the pool to grow (about one thread a second) behind them.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, GlobalLimit + Environment.ProcessorCount * 4), io);
    }

    public int GlobalLimit { get; }
    public int PerFlowLimit => _perFlowLimit;
    /// <summary>Runs waiting for a slot now.</summary>
    public int Waiting => Volatile.Read(ref _waiting);

    /// <summary>False when the queue is full: a caller that can be told to come back later should be (503).</summary>
    public bool HasRoom => Waiting < _maxQueued;

    /// <summary>Waits for a slot of <paramref name="flowId"/> and a global one; dispose the result to give them back.</summary>
    public async Task<IDisposable> AcquireAsync(string flowId, CancellationToken ct)
    {
        var flow = _perFlow.GetOrAdd(flowId, _ => new SemaphoreSlim(_perFlowLimit, _perFlowLimit));
        Interlocked.Increment(ref _waiting);
        try
        {
            await flow.WaitAsync(ct);
            try
            {
                await _global.WaitAsync(ct);
            }
            catch
            {
                flow.Release();
                throw;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _waiting);
        }
        return new Slot(flow, _global);
    }

    private sealed class Slot(SemaphoreSlim flow, SemaphoreSlim global) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            global.Release();
            flow.Release();
        }
    }
}
