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
