using System.Data;
using System.Data.Common;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

internal static class StoreJson
{
    public static string? Write(JsonNode? node) => node?.ToJsonString();

    public static JsonNode? Read(string? json) => json is null ? null : JsonNode.Parse(json);

    public static JsonObject ReadObject(string? json) => json is null ? [] : JsonNode.Parse(json)?.AsObject() ?? [];

    public static string? WriteMap(Dictionary<string, JsonNode?>? map) => map is null ? null : JsonSerializer.Serialize(map);

    public static Dictionary<string, JsonNode?>? ReadMap(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, JsonNode?>>(json);
}

internal static class PositionalParameters
{
    /// <summary>
    /// Adds one parameter per type to <paramref name="command"/>, bound by position as <c>$1…$n</c> in its SQL on both
    /// providers: Npgsql binds unnamed parameters by position (so each carries its type); SQLite binds "$n" by name.
    /// </summary>
    public static void Add(DbCommand command, IReadOnlyList<DbType> types, bool sqlite)
    {
        for (var n = 0; n < types.Count; n++)
        {
            var parameter = command.CreateParameter();
            if (sqlite) parameter.ParameterName = "$" + (n + 1);
            else parameter.DbType = types[n];
            command.Parameters.Add(parameter);
        }
    }
}

internal static class StoreRetry
{
    /// <summary>
    /// Runs <paramref name="action"/> again when a concurrent writer inserted the same key first
    /// (a unique violation surfaces as <see cref="DbUpdateException"/>); the retry reads the new state.
    /// </summary>
    public static async Task<T> OnConflictAsync<T>(Func<Task<T>> action, int attempts = 5)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await action();
            }
            catch (DbUpdateException) when (attempt < attempts)
            {
                await Task.Delay(Random.Shared.Next(5, 25) * attempt);
            }
        }
    }

    public static Task OnConflictAsync(Func<Task> action, int attempts = 5) =>
        OnConflictAsync(async () => { await action(); return true; }, attempts);
}

/// <summary>What the run queue's claimed rows (inbox messages, timers) share.</summary>
internal static class ClaimedRows
{
    /// <summary>
    /// Extends <paramref name="owner"/>'s claims on the rows with these ids to <paramref name="claimUntil"/> and returns the
    /// ids still its own (a claim another process took, one handed back or one whose outcome ended it is not).
    /// </summary>
    public static async Task<List<TKey>> ExtendAsync<TRow, TKey>(DbSet<TRow> rows, string owner, IReadOnlyCollection<TKey> ids, DateTimeOffset claimUntil,
        CancellationToken ct) where TRow : class, Data.IClaimedRow<TKey>
    {
        var kept = new List<TKey>(ids.Count);
        // A few hundred ids a statement (SQLite's parameter limit is far above that); the claim is the owner's as long as it says so.
        foreach (var chunk in ids.Chunk(500))
        {
            await rows.Where(r => chunk.Contains(r.Id) && r.ClaimedBy == owner).ExecuteUpdateAsync(s => s.SetProperty(r => r.ClaimedUntil, claimUntil), ct);
            kept.AddRange(await rows.AsNoTracking().Where(r => chunk.Contains(r.Id) && r.ClaimedBy == owner).Select(r => r.Id).ToListAsync(ct));
        }
        return kept;
    }
}
