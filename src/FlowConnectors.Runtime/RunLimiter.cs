using System.Collections.Concurrent;

namespace FlowConnectors.Runtime;

/// <summary>
/// How many runs execute at once: in all (<see cref="RuntimeOptions.MaxConcurrentRuns"/>) and per flow
/// (<see cref="RuntimeOptions.MaxConcurrentRunsPerFlow"/>). More wait, in order, for a slot; the slot is held
/// from a run's start (or resume) to its end or suspension. CPU-bound flows can then use some cores, never
/// all threads: the management API and the other flows keep answering. A resume of a stored instance (a due
/// timer, a callback, an event) goes before every new start still waiting: it was promised to run at its time,
/// and a burst of starts must not make it late.
/// </summary>
public sealed class RunLimiter
{
    private readonly Gate _global;
    private readonly ConcurrentDictionary<string, Gate> _perFlow = new(StringComparer.Ordinal);
    private readonly int _perFlowLimit;
    private readonly int _maxQueued;
    private int _waiting;

    internal RunLimiter(RuntimeOptions options)
    {
        GlobalLimit = options.MaxConcurrentRuns > 0 ? options.MaxConcurrentRuns : Math.Max(8, Environment.ProcessorCount * 4);
        _perFlowLimit = options.MaxConcurrentRunsPerFlow > 0 ? options.MaxConcurrentRunsPerFlow : Math.Max(2, Environment.ProcessorCount);
        _maxQueued = Math.Max(0, options.MaxQueuedRuns);
        _global = new Gate(GlobalLimit);
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

    /// <summary>
    /// Waits for a slot of <paramref name="flowId"/> and a global one; dispose the result to give them back. With
    /// <paramref name="resume"/> (a stored instance resumed) it is served before every waiting run without it.
    /// </summary>
    public async Task<IDisposable> AcquireAsync(string flowId, CancellationToken ct, bool resume = false)
    {
        var flow = _perFlow.GetOrAdd(flowId, _ => new Gate(_perFlowLimit));
        Interlocked.Increment(ref _waiting);
        try
        {
            await flow.WaitAsync(resume, ct);
            try
            {
                await _global.WaitAsync(resume, ct);
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

    private sealed class Slot(Gate flow, Gate global) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1) return;
            global.Release();
            flow.Release();
        }
    }

    /// <summary>
    /// A counting semaphore with two queues, each first come first served: a free slot goes to the first waiting
    /// resume, else to the first waiting start.
    /// </summary>
    private sealed class Gate(int slots)
    {
        private readonly Lock _lock = new();
        private readonly LinkedList<TaskCompletionSource> _resumes = [];
        private readonly LinkedList<TaskCompletionSource> _starts = [];
        private int _free = slots;

        public Task WaitAsync(bool resume, CancellationToken ct)
        {
            ct.ThrowIfCancellationRequested();
            LinkedListNode<TaskCompletionSource> node;
            lock (_lock)
            {
                // A resume overtakes waiting starts, never waiting resumes; a start overtakes nobody.
                if (_free > 0 && _resumes.Count == 0 && (resume || _starts.Count == 0))
                {
                    _free--;
                    return Task.CompletedTask;
                }
                node = (resume ? _resumes : _starts).AddLast(new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            }
            if (!ct.CanBeCanceled) return node.Value.Task;
            return WithCancellation(node, resume, ct);
        }

        private async Task WithCancellation(LinkedListNode<TaskCompletionSource> node, bool resume, CancellationToken ct)
        {
            await using (ct.Register(() =>
                         {
                             lock (_lock)
                             {
                                 // Still queued: it leaves the queue. Already granted: the slot is kept and the await below succeeds.
                                 if (node.List is null) return;
                                 (resume ? _resumes : _starts).Remove(node);
                             }
                             node.Value.TrySetCanceled(ct);
                         }))
            {
                await node.Value.Task;
            }
        }

        public void Release()
        {
            TaskCompletionSource? next;
            lock (_lock)
            {
                var queue = _resumes.Count > 0 ? _resumes : _starts.Count > 0 ? _starts : null;
                if (queue is null)
                {
                    _free++;
                    return;
                }
                next = queue.First!.Value;
                queue.RemoveFirst();
            }
            next.TrySetResult();
        }
    }
}
