using System.Data.Common;
using System.Text;
using FlowConnectors.Collection;
using FlowConnectors.Persistence.Data;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Collected users, import runs and collection sources. An import writes its pages through one
/// <see cref="UserWriter"/> (one connection and prepared statements for the whole run, one
/// transaction per page) — no change tracking, so an import runs at database speed and memory does
/// not grow with the number of users.
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
        await using var writer = await OpenUserWriterAsync(connectorKey, now, ct);
        return await writer.UpsertAsync(users, ct);
    }

    public async Task<ICollectedUserWriter> OpenUserWriterAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default)
    {
        var db = await factory.CreateDbContextAsync(ct);
        try
        {
            await db.Database.OpenConnectionAsync(ct);
            return new UserWriter(db, connectorKey, now);
        }
        catch
        {
            await db.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// One import's writer: one context and connection for the whole run. On SQLite each user is one
    /// prepared <c>INSERT … ON CONFLICT DO NOTHING</c> (and an <c>UPDATE</c> when it was there already),
    /// the statements compiled once and their parameters rebound per row — SQLite runs prepared
    /// statements in-process, so this beats building and parsing one large statement per page, and
    /// which rows were new falls out of the insert's row count without a separate query.
    /// PostgreSQL takes a page in chunks of multi-row upserts (two round trips per chunk).
    /// Each page is one transaction begun through EF, so it takes SQLite's in-process write gate
    /// (SqliteWriteGate) like every other writer and other writers interleave between pages.
    /// </summary>
    private sealed class UserWriter : ICollectedUserWriter
    {
        private readonly FlowConnectorsDbContext _db;
        private readonly string _connectorKey;
        private readonly DateTimeOffset _now;
        private readonly SqliteUserRows? _sqliteRows;

        public UserWriter(FlowConnectorsDbContext db, string connectorKey, DateTimeOffset now)
        {
            _db = db;
            _connectorKey = connectorKey;
            _now = now;
            if (db.Database.GetDbConnection() is Microsoft.Data.Sqlite.SqliteConnection sqlite)
                _sqliteRows = new SqliteUserRows(sqlite, connectorKey, now.UtcTicks);
        }

        public Task<UpsertResult> UpsertAsync(IReadOnlyList<CollectedUser> users, CancellationToken ct = default) =>
            users.Count == 0 ? Task.FromResult(default(UpsertResult)) : UpsertPagesAsync([users], ct);

        /// <summary>The pages in one transaction, each counted on its own: a user on two pages is inserted once and updated once.</summary>
        public async Task<UpsertResult> UpsertPagesAsync(IReadOnlyList<IReadOnlyList<CollectedUser>> pages, CancellationToken ct = default)
        {
            if (pages.All(p => p.Count == 0)) return default;
            await using var efTransaction = await _db.Database.BeginTransactionAsync(ct);
            var transaction = Microsoft.EntityFrameworkCore.Storage.DbContextTransactionExtensions.GetDbTransaction(efTransaction);
            int inserted = 0, updated = 0;
            try
            {
                foreach (var users in pages)
                {
                    if (users.Count == 0) continue;
                    // One row per vendor id (the last wins): a page that repeats a user counts it once.
                    var unique = new Dictionary<string, CollectedUser>(users.Count, StringComparer.Ordinal);
                    foreach (var user in users) unique[user.VendorId] = user;
                    var rows = unique.Values.ToList();
                    var existing = _sqliteRows is not null
                        ? _sqliteRows.Upsert(rows, ct)
                        : await UpsertInChunksAsync(_db.Database.GetDbConnection(), transaction, _connectorKey, rows, _now, ct);
                    inserted += rows.Count - existing;
                    updated += existing;
                }
                await efTransaction.CommitAsync(ct);
            }
            catch
            {
                // Rolled back now (a cancelled import, a failed row): disposing the transaction alone would keep the write
                // gate for as long as this writer's connection stays open, and every other writer of the process waiting.
                try { await efTransaction.RollbackAsync(CancellationToken.None); }
                catch (Exception e) when (e is DbException or InvalidOperationException) { /* the connection is gone: closing it frees the gate */ }
                throw;
            }
            return new UpsertResult(inserted, updated);
        }

        public async ValueTask DisposeAsync()
        {
            // The statements go before the connection they were compiled on.
            _sqliteRows?.Dispose();
            await _db.DisposeAsync();
        }
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

    /// <summary>
    /// The users shown: once a run has been accepted, not those first seen after it (by a run still going, failed or
    /// suspicious) — the accepted run's data stays the visible one. Those it did not see were removed when it was accepted.
    /// </summary>
    private static async Task<IQueryable<CollectedUserEntity>> VisibleUsersAsync(FlowConnectorsDbContext db, string connectorKey, CancellationToken ct)
    {
        var accepted = await db.CollectionSources.AsNoTracking().Where(s => s.ConnectorKey == connectorKey).Select(s => s.AcceptedAt).FirstOrDefaultAsync(ct);
        var users = db.CollectedUsers.AsNoTracking().Where(u => u.ConnectorKey == connectorKey);
        return accepted is { } at ? users.Where(u => u.FirstSeenAt <= at) : users;
    }

    public async Task<int> CountSeenAsync(string connectorKey, DateTimeOffset seenAt, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        return await db.CollectedUsers.CountAsync(u => u.ConnectorKey == connectorKey && u.LastSeenAt == seenAt, ct);
    }

    public async Task AcceptRunAsync(string connectorKey, DateTimeOffset runStartedAt, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Users the run did not see have left the vendor (or its filters): the accepted data is what the run found.
        await db.CollectedUsers.Where(u => u.ConnectorKey == connectorKey && u.LastSeenAt < runStartedAt).ExecuteDeleteAsync(ct);
        await db.CollectionSources.Where(s => s.ConnectorKey == connectorKey).ExecuteUpdateAsync(u => u.SetProperty(s => s.AcceptedAt, runStartedAt), ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<UserPage> QueryUsersAsync(string connectorKey, UserQuery query, CancellationToken ct = default)
    {
        await using var db = await factory.CreateDbContextAsync(ct);
        var users = await VisibleUsersAsync(db, connectorKey, ct);
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
        var users = await VisibleUsersAsync(db, connectorKey, ct);
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
        row.Users = run.Users;
        row.Warning = run.Warning;
        row.ConfirmedAt = run.ConfirmedAt;
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
        row.SuspiciousBelowPercent = source.SuspiciousBelowPercent;
        // AcceptedAt moves only through AcceptRunAsync: a schedule change saved meanwhile must not put it back.
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
        Users = r.Users,
        Warning = r.Warning,
        ConfirmedAt = r.ConfirmedAt,
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
        AcceptedAt = s.AcceptedAt,
        SuspiciousBelowPercent = s.SuspiciousBelowPercent,
    };
}
