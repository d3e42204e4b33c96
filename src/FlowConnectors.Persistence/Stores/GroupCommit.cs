namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Group commit: items submitted while a batch is being written are queued and written together in the next
/// transaction. SQLite has one writer at a time, so under load one commit for many instances is what keeps up.
/// Each caller returns only once its item is committed; if a shared batch fails, its items are written again one by
/// one, so one bad item fails only its own call. The writer of a batch hands over to the first waiter of the next one
/// (its item is in it), whose own continuation writes it, instead of queueing one more work item to the thread pool.
/// </summary>
internal sealed class GroupCommit<T>(Func<List<T>, Task> write)
{
    // Turn completes false once the item is written (Error set if that failed), or true when its caller is to write the next batch.
    private sealed class Pending(T item)
    {
        public T Item { get; } = item;
        public TaskCompletionSource<bool> Turn { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public Exception? Error;
    }

    private readonly Lock _lock = new();
    private List<Pending> _pending = [];
    private bool _flushing;

    /// <summary>Writes <paramref name="item"/> in the next batch and returns once it is committed (or throws why it was not).</summary>
    public async Task SubmitAsync(T item)
    {
        var pending = new Pending(item);
        bool flush;
        lock (_lock)
        {
            _pending.Add(pending);
            flush = !_flushing;
            _flushing = true;
        }
        // Either this caller writes (none was writing, or the previous writer handed over), or another writes its item.
        if (flush || await pending.Turn.Task) await FlushAsync();
        if (pending.Error is { } error) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
    }

    private async Task FlushAsync()
    {
        List<Pending> batch;
        lock (_lock)
        {
            batch = _pending;
            _pending = [];
        }
        if (batch.Count > 0) await WriteAsync(batch);
        Pending next;
        lock (_lock)
        {
            if (_pending.Count == 0)
            {
                _flushing = false;
                return;
            }
            next = _pending[0];
        }
        next.Turn.TrySetResult(true);
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            await write(batch.ConvertAll(p => p.Item));
            foreach (var pending in batch) pending.Turn.TrySetResult(false);
        }
        catch (Exception) when (batch.Count > 1)
        {
            foreach (var pending in batch) await WriteAsync([pending]);
        }
        catch (Exception e)
        {
            batch[0].Error = e;
            batch[0].Turn.TrySetResult(false);
        }
    }
}
