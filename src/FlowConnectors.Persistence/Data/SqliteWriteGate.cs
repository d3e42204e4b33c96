using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Infrastructure;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// One writer at a time per SQLite database in this process, queued without blocking a thread.
/// SQLite allows a single writer; left to itself, concurrent writers meet SQLITE_BUSY and
/// Microsoft.Data.Sqlite retries them with blocking sleeps, which under load starves the thread
/// pool. A transaction holds the gate from begin to commit, rollback or connection close; a write
/// command outside a transaction (ExecuteUpdate/ExecuteDelete) holds it while it executes.
/// SaveChanges always runs in a transaction on SQLite (see SqliteDbContext), so it is covered too.
/// Readers never take it: in WAL mode they do not block and are not blocked.
/// </summary>
internal sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _semaphore = new(1, 1);

    /// <summary>
    /// Writes are short: a writer that waits this long means a holder never finished (a leaked transaction). It fails
    /// with that message instead of waiting for ever, and every writer after it with it.
    /// </summary>
    internal static readonly TimeSpan StuckAfter = TimeSpan.FromMinutes(2);

    private static TimeoutException Stuck() =>
        new($"the SQLite write gate was not free within {StuckAfter.TotalMinutes:0} minutes: a write transaction of this process never ended");
    private readonly ConditionalWeakTable<DbConnection, Holder> _holders = new();

    public IInterceptor[] Interceptors => [new TransactionGate(this), new CommandGate(this), new CloseGate(this)];

    /// <summary>The gate of the SQLite database <paramref name="db"/> writes to, or null when it has none (PostgreSQL).</summary>
    public static SqliteWriteGate? Of(DbContext db) =>
        db.GetService<IDbContextOptions>().FindExtension<CoreOptionsExtension>()?.Interceptors?.OfType<TransactionGate>().FirstOrDefault()?.Gate;

    private sealed class Holder
    {
        public bool Held;
    }

    private bool Holds(DbConnection connection) => _holders.TryGetValue(connection, out var holder) && holder.Held;

    /// <summary>Takes the gate for <paramref name="connection"/>; false when it already holds it (nothing to give back then).</summary>
    public async ValueTask<bool> EnterAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        if (Holds(connection)) return false;
        if (!await _semaphore.WaitAsync(StuckAfter, cancellationToken)) throw Stuck();
        _holders.GetOrCreateValue(connection).Held = true;
        return true;
    }

    private bool Enter(DbConnection connection)
    {
        if (Holds(connection)) return false;
        if (!_semaphore.Wait(StuckAfter)) throw Stuck();
        _holders.GetOrCreateValue(connection).Held = true;
        return true;
    }

    /// <summary>Gives the gate back if <paramref name="connection"/> holds it.</summary>
    public void Exit(DbConnection? connection)
    {
        if (connection is null) return;
        if (!_holders.TryGetValue(connection, out var holder) || !holder.Held) return;
        holder.Held = false;
        _semaphore.Release();
    }

    private sealed class TransactionGate(SqliteWriteGate gate) : DbTransactionInterceptor
    {
        public SqliteWriteGate Gate => gate;

        // A completed SqliteTransaction no longer knows its connection; the context does.
        private static DbConnection? ConnectionOf(DbTransaction transaction, DbContextEventData eventData) =>
            eventData.Context?.Database.GetDbConnection() ?? transaction.Connection;

        public override InterceptionResult<DbTransaction> TransactionStarting(DbConnection connection, TransactionStartingEventData eventData, InterceptionResult<DbTransaction> result)
        {
            gate.Enter(connection);
            return result;
        }

        public override async ValueTask<InterceptionResult<DbTransaction>> TransactionStartingAsync(DbConnection connection, TransactionStartingEventData eventData,
            InterceptionResult<DbTransaction> result, CancellationToken cancellationToken = default)
        {
            await gate.EnterAsync(connection, cancellationToken);
            return result;
        }

        public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => gate.Exit(ConnectionOf(transaction, eventData));

        public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Exit(ConnectionOf(transaction, eventData));
            return Task.CompletedTask;
        }

        public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) => gate.Exit(ConnectionOf(transaction, eventData));

        public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Exit(ConnectionOf(transaction, eventData));
            return Task.CompletedTask;
        }

        public override void TransactionFailed(DbTransaction transaction, TransactionErrorEventData eventData) => gate.Exit(ConnectionOf(transaction, eventData));

        public override Task TransactionFailedAsync(DbTransaction transaction, TransactionErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            gate.Exit(ConnectionOf(transaction, eventData));
            return Task.CompletedTask;
        }
    }

    /// <summary>Write commands outside a transaction; inside one, the transaction already holds the gate.</summary>
    private sealed class CommandGate(SqliteWriteGate gate) : DbCommandInterceptor
    {
        // Commands whose gate this interceptor took (not the transaction's), released when they end.
        private readonly ConditionalWeakTable<DbCommand, object> _owned = new();

        public override InterceptionResult<int> NonQueryExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<int> result)
        {
            if (gate.Enter(command.Connection!)) _owned.AddOrUpdate(command, gate);
            return result;
        }

        public override async ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(DbCommand command, CommandEventData eventData, InterceptionResult<int> result,
            CancellationToken cancellationToken = default)
        {
            if (await gate.EnterAsync(command.Connection!, cancellationToken)) _owned.AddOrUpdate(command, gate);
            return result;
        }

        public override int NonQueryExecuted(DbCommand command, CommandExecutedEventData eventData, int result)
        {
            Release(command);
            return result;
        }

        public override ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result, CancellationToken cancellationToken = default)
        {
            Release(command);
            return ValueTask.FromResult(result);
        }

        public override void CommandFailed(DbCommand command, CommandErrorEventData eventData) => Release(command);

        public override Task CommandFailedAsync(DbCommand command, CommandErrorEventData eventData, CancellationToken cancellationToken = default)
        {
            Release(command);
            return Task.CompletedTask;
        }

        public override void CommandCanceled(DbCommand command, CommandEndEventData eventData) => Release(command);

        public override Task CommandCanceledAsync(DbCommand command, CommandEndEventData eventData, CancellationToken cancellationToken = default)
        {
            Release(command);
            return Task.CompletedTask;
        }

        private void Release(DbCommand command)
        {
            if (_owned.Remove(command)) gate.Exit(command.Connection!);
        }
    }

    /// <summary>A transaction disposed without commit or rollback ends when its connection closes.</summary>
    private sealed class CloseGate(SqliteWriteGate gate) : DbConnectionInterceptor
    {
        public override InterceptionResult ConnectionClosing(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
        {
            gate.Exit(connection);
            return result;
        }

        public override ValueTask<InterceptionResult> ConnectionClosingAsync(DbConnection connection, ConnectionEventData eventData, InterceptionResult result)
        {
            gate.Exit(connection);
            return ValueTask.FromResult(result);
        }
    }
}
