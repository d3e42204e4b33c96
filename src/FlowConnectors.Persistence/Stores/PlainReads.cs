using System.Data.Common;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// A read on the hot path as one plain statement on a context's connection, without EF Core's query pipeline. The
/// connection is opened and closed through EF, so its interceptors still run (SQLite pragmas on a new handle, a stale
/// pooled handle recovered). Parameters are <c>$1…$n</c> on both providers (<see cref="PositionalParameters"/>); strings only.
/// </summary>
internal static class PlainReads
{
    public static async Task<List<T>> ListAsync<T>(DbContext db, string sql, string[] parameters, Func<DbDataReader, T> read, CancellationToken ct)
    {
        var sqlite = db is Data.SqliteDbContext;
        await db.Database.OpenConnectionAsync(ct);
        try
        {
            await using var command = db.Database.GetDbConnection().CreateCommand();
            command.CommandText = sql;
            PositionalParameters.Add(command, Enumerable.Repeat(System.Data.DbType.String, parameters.Length).ToArray(), sqlite);
            for (var n = 0; n < parameters.Length; n++) command.Parameters[n].Value = parameters[n];
            var rows = new List<T>();
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) rows.Add(read(reader));
            return rows;
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }
}
