using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Data;

/// <summary>
/// A write transaction on a context's own connection for the hot path's plain statements, begun without EF Core's
/// transaction object: EF's begin, commit and dispose each made a <see cref="Guid.NewGuid"/> (here a read of
/// /dev/urandom) and raised diagnostic events for a transaction whose commands it never sees. On SQLite it holds the
/// same write gate (<see cref="SqliteWriteGate"/>) as EF's transactions, from begin to dispose.
/// </summary>
internal sealed class DirectTransaction : IAsyncDisposable
{
    private readonly DbContext _db;
    private readonly SqliteWriteGate? _gate;

    private DirectTransaction(DbContext db, SqliteWriteGate? gate, DbConnection connection, DbTransaction transaction)
    {
        _db = db;
        _gate = gate;
        Connection = connection;
        Transaction = transaction;
    }

    public DbConnection Connection { get; }
    public DbTransaction Transaction { get; }

    public static async Task<DirectTransaction> BeginAsync(DbContext db, CancellationToken ct)
    {
        var gate = SqliteWriteGate.Of(db);
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        var entered = false;
        try
        {
            if (gate is not null) entered = await gate.EnterAsync(connection, ct);
            return new DirectTransaction(db, gate, connection, await connection.BeginTransactionAsync(ct));
        }
        catch
        {
            if (entered) gate!.Exit(connection);
            await db.Database.CloseConnectionAsync();
            throw;
        }
    }

    public Task CommitAsync(CancellationToken ct) => Transaction.CommitAsync(ct);

    /// <summary>Rolls back what was not committed, gives the gate back and closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await Transaction.DisposeAsync();
        }
        finally
        {
            _gate?.Exit(Connection);
            await _db.Database.CloseConnectionAsync();
        }
    }
}
