using System.Data.Common;
using System.Text;
using FlowConnectors.Connectors.Collection;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Collected users, import runs and collection sources. A page of users is upserted with one
/// multi-row <c>INSERT … ON CONFLICT DO UPDATE</c> (SQLite and PostgreSQL share the syntax) in one
/// transaction, after one query for which of them exist already (on SQLite the rows travel as one
/// JSON parameter unpacked by <c>json_each</c>) — no change tracking, so an
/// import runs at database speed and memory does not grow with the number of users.
/// </summary>
internal sealed class EfCollectionStore(IDbContextFactory<FlowConnectorsDbContext> factory) : ICollectionStore
{
    /// <summary>Rows per INSERT statement: 11 parameters each, well under SQLite's and PostgreSQL's limits.</summary>
    private const int RowsPerStatement = 500;

    private static readonly string[] Columns =
        ["ConnectorKey", "VendorId", "Email", "Name", "Department", "Status", "CreatedAt", "LastActivityAt", "Application", "FirstSeenAt", "LastSeenAt"];

    private static readonly string UpdateSet = string.Join(", ",
        Columns.Where(c => c is not ("ConnectorKey" or "VendorId" or "FirstSeenAt")).Select(c => $"\"{c}\" = excluded.\"{c}\""));

    public async Task<UpsertResult> UpsertUsersAsync(string connectorKey, IReadOnlyList<CollectedUser> users, DateTimeOffset now, CancellationToken ct = default)
    {
        if (users.Count == 0) return default;
        // One row per vendor id (the last wins): ON CONFLICT cannot touch a row twice in one statement.
        var unique = new Dictionary<string, CollectedUser>(users.Count, StringComparer.Ordinal);
        foreach (var user in users) unique[user.VendorId] = user;
        var rows = unique.Values.ToList();

        await using var db = await factory.CreateDbContextAsync(ct);
        var sqlite = db.Database.IsSqlite();
        await db.Database.OpenConnectionAsync(ct);
        var connection = db.Database.GetDbConnection();
        // Through EF so the transaction takes SQLite's in-process write gate (SqliteWriteGate) like every other writer.
        await using var efTransaction = await db.Database.BeginTransactionAsync(ct);
        var transaction = Microsoft.EntityFrameworkCore.Storage.DbContextTransactionExtensions.GetDbTransaction(efTransaction);
        var existing = sqlite
            ? await UpsertJsonAsync(connection, transaction, connectorKey, rows, now, ct)
            : await UpsertInChunksAsync(connection, transaction, connectorKey, rows, now, ct);
        await efTransaction.CommitAsync(ct);
        return new UpsertResult(rows.Count - existing, existing);
    }

    /// <summary>
    /// SQLite: the page goes in as one JSON text parameter, unpacked by SQLite's <c>json_each</c> —
    /// one existence query and one multi-row upsert per page, each with three parameters.
    /// Microsoft.Data.Sqlite binds parameters by name (a linear search per parameter), so a
    /// statement with a thousand parameters, or a statement per row, costs far more than this.
    /// Rows are arrays in column order: [id, email, name, department, status, created, last activity, application].
    /// </summary>
    private static Task<int> UpsertJsonAsync(DbConnection connection, DbTransaction transaction, string connectorKey, List<CollectedUser> rows, DateTimeOffset now, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var json = RowsJson(rows);
        using var exists = connection.CreateCommand();
        exists.Transaction = transaction;
        exists.CommandText = "SELECT COUNT(*) FROM \"CollectedUsers\" WHERE \"ConnectorKey\" = @k AND \"VendorId\" IN (SELECT json_extract(value, '$[0]') FROM json_each(@rows))";
        Add(exists, "@k", connectorKey);
        Add(exists, "@rows", json);
        using var upsert = connection.CreateCommand();
        upsert.Transaction = transaction;
        upsert.CommandText = UpsertFromJson;
        Add(upsert, "@k", connectorKey);
        Add(upsert, "@now", Time(now, sqlite: true));
        Add(upsert, "@rows", json);
        // Synchronous calls: Microsoft.Data.Sqlite's async methods run synchronously anyway, with extra overhead.
        var existing = Convert.ToInt32(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        upsert.ExecuteNonQuery();
        return Task.FromResult(existing);
    }

    // "WHERE true": SQLite needs it to tell an upsert's ON CONFLICT from a join constraint after SELECT … FROM.
    private static readonly string UpsertFromJson =
        "INSERT INTO \"CollectedUsers\" (" + string.Join(", ", Columns.Select(c => $"\"{c}\"")) + ") SELECT @k, " +
        string.Join(", ", Enumerable.Range(0, 8).Select(i => $"json_extract(value, '$[{i}]')")) +
        ", @now, @now FROM json_each(@rows) WHERE true ON CONFLICT (\"ConnectorKey\", \"VendorId\") DO UPDATE SET " + UpdateSet;

    private static string RowsJson(List<CollectedUser> rows)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(rows.Count * 160);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            foreach (var user in rows)
            {
                writer.WriteStartArray();
                writer.WriteStringValue(user.VendorId);
                WriteText(writer, user.Email);
                WriteText(writer, user.Name);
                WriteText(writer, user.Department);
                WriteText(writer, user.Status);
                // As the model stores times on SQLite: UTC ticks.
                if (user.CreatedAt is { } c) writer.WriteNumberValue(c.UtcTicks); else writer.WriteNullValue();
                if (user.LastActivityAt is { } a) writer.WriteNumberValue(a.UtcTicks); else writer.WriteNullValue();
                WriteText(writer, user.Application);
                writer.WriteEndArray();
            }
            writer.WriteEndArray();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteText(System.Text.Json.Utf8JsonWriter writer, string? value)
    {
        if (value is null) writer.WriteNullValue();
        else writer.WriteStringValue(value);
    }

    /// <summary>PostgreSQL: one existence query and one multi-row upsert per chunk, two round trips for a page.</summary>
    private static async Task<int> UpsertInChunksAsync(DbConnection connection, DbTransaction transaction, string connectorKey, List<CollectedUser> rows, DateTimeOffset now, CancellationToken ct)
    {
        var existing = 0;
        for (var start = 0; start < rows.Count; start += RowsPerStatement)
        {
            var chunk = rows.GetRange(start, Math.Min(RowsPerStatement, rows.Count - start));
            existing += await CountExistingAsync(connection, transaction, connectorKey, chunk, ct);
            await InsertAsync(connection, transaction, connectorKey, chunk, now, sqlite: false, ct);
        }
        return existing;
    }

    private static async Task<int> CountExistingAsync(DbConnection connection, DbTransaction transaction, string connectorKey, List<CollectedUser> chunk, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder("SELECT COUNT(*) FROM \"CollectedUsers\" WHERE \"ConnectorKey\" = @k AND \"VendorId\" IN (");
        Add(command, "@k", connectorKey);
        for (var i = 0; i < chunk.Count; i++)
        {
            if (i > 0) sql.Append(',');
            sql.Append("@v").Append(i);
            Add(command, "@v" + i, chunk[i].VendorId);
        }
        command.CommandText = sql.Append(')').ToString();
        return Convert.ToInt32(await command.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static async Task InsertAsync(DbConnection connection, DbTransaction transaction, string connectorKey, List<CollectedUser> chunk, DateTimeOffset now, bool sqlite, CancellationToken ct)
    {
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder("INSERT INTO \"CollectedUsers\" (").Append(string.Join(", ", Columns.Select(c => $"\"{c}\""))).Append(") VALUES ");
        Add(command, "@k", connectorKey);
        Add(command, "@now", Time(now, sqlite));
        for (var i = 0; i < chunk.Count; i++)
        {
            var u = chunk[i];
            if (i > 0) sql.Append(", ");
            sql.Append($"(@k, @i{i}, @e{i}, @n{i}, @d{i}, @s{i}, @c{i}, @a{i}, @p{i}, @now, @now)");
            Add(command, $"@i{i}", u.VendorId);
            Add(command, $"@e{i}", u.Email);
            Add(command, $"@n{i}", u.Name);
            Add(command, $"@d{i}", u.Department);
            Add(command, $"@s{i}", u.Status);
            AddTime(command, $"@c{i}", u.CreatedAt, sqlite);
            AddTime(command, $"@a{i}", u.LastActivityAt, sqlite);
            Add(command, $"@p{i}", u.Application);
        }
        sql.Append(" ON CONFLICT (\"ConnectorKey\", \"VendorId\") DO UPDATE SET ").Append(UpdateSet);
        command.CommandText = sql.ToString();
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>As the model stores it: UTC ticks on SQLite, a UTC timestamp on PostgreSQL (see ProviderContexts).</summary>
    private static object Time(DateTimeOffset value, bool sqlite) => sqlite ? value.UtcTicks : value.ToUniversalTime();

    private static DbParameter AddTime(DbCommand command, string name, DateTimeOffset? value, bool sqlite)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = sqlite ? System.Data.DbType.Int64 : System.Data.DbType.DateTimeOffset;
        parameter.Value = value is { } v ? Time(v, sqlite) : DBNull.Value;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static DbParameter Add(DbCommand command, string name, object? value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        if (value is null or string) parameter.DbType = System.Data.DbType.String;
        command.Parameters.Add(parameter);
        return parameter;
    }

    public async Task<UserPage> QueryUsersAsync(string connectorKey, UserQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var users = db.CollectedUsers.AsNoTracking().Where(u => u.ConnectorKey == connectorKey);
        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var search = query.Search.Trim().ToLowerInvariant();
            users = users.Where(u => (u.Email != null && u.Email.ToLower().Contains(search)) ||
                                     (u.Name != null && u.Name.ToLower().Contains(search)) ||
                                     (u.Department != null && u.Department.ToLower().Contains(search)) ||
                                     u.VendorId.ToLower().Contains(search));
        }
        if (!string.IsNullOrEmpty(query.Department)) users = users.Where(u => u.Department == query.Department);
        if (!string.IsNullOrEmpty(query.Status)) users = users.Where(u => u.Status == query.Status);
        var total = await users.CountAsync(ct);
        var sorted = (query.Sort, query.Descending) switch
        {
            ("email", false) => users.OrderBy(u => u.Email),
            ("email", true) => users.OrderByDescending(u => u.Email),
            ("department", false) => users.OrderBy(u => u.Department),
            ("department", true) => users.OrderByDescending(u => u.Department),
            ("status", false) => users.OrderBy(u => u.Status),
            ("status", true) => users.OrderByDescending(u => u.Status),
            ("created", false) => users.OrderBy(u => u.CreatedAt),
            ("created", true) => users.OrderByDescending(u => u.CreatedAt),
            ("lastActivity", false) => users.OrderBy(u => u.LastActivityAt),
            ("lastActivity", true) => users.OrderByDescending(u => u.LastActivityAt),
            ("vendorId", false) => users.OrderBy(u => u.VendorId),
            ("vendorId", true) => users.OrderByDescending(u => u.VendorId),
            (_, false) => users.OrderBy(u => u.Name),
            (_, true) => users.OrderByDescending(u => u.Name),
        };
        var page = Math.Max(1, query.Page);
        var size = Math.Clamp(query.PageSize, 1, 500);
        var rows = await sorted.ThenBy(u => u.VendorId).Skip((page - 1) * size).Take(size).ToListAsync(ct);
        return new UserPage(rows.Select(ToStored).ToList(), total, page, size);
    }

    public async Task<CollectionSummary> SummarizeAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var users = db.CollectedUsers.AsNoTracking().Where(u => u.ConnectorKey == connectorKey);
        now = now.ToUniversalTime();
        var d30 = now.AddDays(-30);
        var d90 = now.AddDays(-90);
        var monthStart = new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var total = await users.CountAsync(ct);
        var active30 = await users.CountAsync(u => u.LastActivityAt >= d30, ct);
        var active90 = await users.CountAsync(u => u.LastActivityAt >= d90, ct);
        var newThisMonth = await users.CountAsync(u => u.CreatedAt != null ? u.CreatedAt >= monthStart : u.FirstSeenAt >= monthStart, ct);
        var departments = await users.GroupBy(u => u.Department).Select(g => new { Department = g.Key, Users = g.Count() }).ToListAsync(ct);
        var months = new List<(string, int)>();
        for (var i = 11; i >= 0; i--)
        {
            var from = monthStart.AddMonths(-i);
            var to = from.AddMonths(1);
            months.Add((from.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture),
                await users.CountAsync(u => u.LastActivityAt >= from && u.LastActivityAt < to, ct)));
        }
        return new CollectionSummary
        {
            TotalUsers = total,
            Active30Days = active30,
            Active90Days = active90,
            Inactive = total - active90,
            NewThisMonth = newThisMonth,
            ByDepartment = departments.Select(d => (d.Department ?? "(none)", d.Users))
                .OrderByDescending(d => d.Users).ThenBy(d => d.Item1, StringComparer.Ordinal).ToList(),
            ActivityByMonth = months,
        };
    }

    public async Task DeleteUsersAsync(string connectorKey, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.CollectedUsers.Where(u => u.ConnectorKey == connectorKey).ExecuteDeleteAsync(ct);
        await db.CollectionRuns.Where(r => r.ConnectorKey == connectorKey).ExecuteDeleteAsync(ct);
    }

    public async Task SaveRunAsync(CollectionRun run, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.CollectionRuns.FirstOrDefaultAsync(r => r.Id == run.Id, ct);
        if (row is null)
            db.CollectionRuns.Add(row = new CollectionRunEntity { Id = run.Id, ConnectorKey = run.ConnectorKey, Trigger = run.Trigger, Status = run.Status });
        row.Trigger = run.Trigger;
        row.Status = run.Status;
        row.StartedAt = run.StartedAt;
        row.FinishedAt = run.FinishedAt;
        row.Pages = run.Pages;
        row.Records = run.Records;
        row.Inserted = run.Inserted;
        row.Updated = run.Updated;
        row.Filtered = run.Filtered;
        row.Skipped = run.Skipped;
        row.DurationMs = run.DurationMs;
        row.Error = run.Error;
        row.StoppedAt = run.StoppedAt;
        await db.SaveChangesAsync(ct);
    }

    public async Task<CollectionRun?> GetRunAsync(string runId, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.CollectionRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
        return row is null ? null : ToRun(row);
    }

    public async Task<IReadOnlyList<CollectionRun>> ListRunsAsync(string connectorKey, int limit, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.CollectionRuns.AsNoTracking().Where(r => r.ConnectorKey == connectorKey)
            .OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(Math.Clamp(limit, 1, 1000)).ToListAsync(ct);
        return rows.Select(ToRun).ToList();
    }

    public async Task SaveSourceAsync(CollectionSource source, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.CollectionSources.FirstOrDefaultAsync(s => s.ConnectorKey == source.ConnectorKey, ct);
        if (row is null)
            db.CollectionSources.Add(row = new CollectionSourceEntity
            {
                ConnectorKey = source.ConnectorKey, Name = source.Name, Vendor = source.Vendor, ConnectionId = source.ConnectionId,
                ScheduleTime = source.ScheduleTime, TimeZone = source.TimeZone, CreatedAt = source.CreatedAt,
            });
        row.Name = source.Name;
        row.Vendor = source.Vendor;
        row.ConnectionId = source.ConnectionId;
        row.ScheduleEnabled = source.ScheduleEnabled;
        row.ScheduleTime = source.ScheduleTime;
        row.TimeZone = source.TimeZone;
        await db.SaveChangesAsync(ct);
    }

    public async Task<CollectionSource?> GetSourceAsync(string connectorKey, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var row = await db.CollectionSources.AsNoTracking().FirstOrDefaultAsync(s => s.ConnectorKey == connectorKey, ct);
        return row is null ? null : ToSource(row);
    }

    public async Task<IReadOnlyList<CollectionSource>> ListSourcesAsync(CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var rows = await db.CollectionSources.AsNoTracking().OrderBy(s => s.ConnectorKey).ToListAsync(ct);
        return rows.Select(ToSource).ToList();
    }

    public async Task DeleteSourceAsync(string connectorKey, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await db.CollectionSources.Where(s => s.ConnectorKey == connectorKey).ExecuteDeleteAsync(ct);
    }

    private static StoredUser ToStored(CollectedUserEntity u) => new(new CollectedUser
    {
        VendorId = u.VendorId,
        Email = u.Email,
        Name = u.Name,
        Department = u.Department,
        Status = u.Status,
        CreatedAt = u.CreatedAt,
        LastActivityAt = u.LastActivityAt,
        Application = u.Application,
    }, u.FirstSeenAt, u.LastSeenAt);

    private static CollectionRun ToRun(CollectionRunEntity r) => new()
    {
        Id = r.Id,
        ConnectorKey = r.ConnectorKey,
        Trigger = r.Trigger,
        Status = r.Status,
        StartedAt = r.StartedAt,
        FinishedAt = r.FinishedAt,
        Pages = r.Pages,
        Records = r.Records,
        Inserted = r.Inserted,
        Updated = r.Updated,
        Filtered = r.Filtered,
        Skipped = r.Skipped,
        DurationMs = r.DurationMs,
        Error = r.Error,
        StoppedAt = r.StoppedAt,
    };

    private static CollectionSource ToSource(CollectionSourceEntity s) => new()
    {
        ConnectorKey = s.ConnectorKey,
        Name = s.Name,
        Vendor = s.Vendor,
        ConnectionId = s.ConnectionId,
        ScheduleEnabled = s.ScheduleEnabled,
        ScheduleTime = s.ScheduleTime,
        TimeZone = s.TimeZone,
        CreatedAt = s.CreatedAt,
    };
}
