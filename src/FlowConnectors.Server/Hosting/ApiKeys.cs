using System.Security.Cryptography;
using System.Text;
using FlowConnectors.Persistence;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// The management API's key. The first start creates one, stores only its SHA-256 hash, and writes
/// the key to a file readable by the owner alone; requests send it as <c>X-Api-Key</c>.
/// </summary>
internal static class ApiKeys
{
    public const string Header = "X-Api-Key";
    public const string FileName = "api-key.txt";

    public static string Hash(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));

    /// <summary>Ensures a key exists; returns a sentence telling the user where it is.</summary>
    public static async Task<string> EnsureAsync(IApiKeyStore store, ServerOptions options)
    {
        if (options.ApiKey is { Length: > 0 } fixedKey)
        {
            if (!await store.ExistsAsync(Hash(fixedKey))) await store.AddAsync("configured", Hash(fixedKey));
            return "API key: the one configured in FlowConnectors:ApiKey";
        }
        var file = Path.GetFullPath(Path.Combine(options.DataFolder, FileName));
        if (await store.AnyAsync()) return File.Exists(file) ? $"API key: in {file}" : "API key: created on first start (its file was removed)";
        var key = "fc_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        await store.AddAsync("first-start", Hash(key));
        await DataFiles.WritePrivateTextAsync(file, key + "\n");
        return $"API key: created in {file}";
    }
}

/// <summary>Every /api request needs a valid key; webhooks, callbacks and hooks use their own tokens.</summary>
internal sealed class ApiKeyMiddleware(RequestDelegate next)
{
    public async Task InvokeAsync(HttpContext context, IApiKeyStore keys)
    {
        if (context.Request.Path.StartsWithSegments("/api"))
        {
            var key = context.Request.Headers[ApiKeys.Header].ToString();
            if (key.Length == 0 && context.Request.Headers.Authorization.ToString() is { } auth && auth.StartsWith("Bearer ", StringComparison.Ordinal))
                key = auth["Bearer ".Length..];
            if (key.Length == 0 || !await keys.ExistsAsync(ApiKeys.Hash(key)))
            {
                await Problems.Write(context, StatusCodes.Status401Unauthorized, "API key required",
                    key.Length == 0 ? $"send the management API key in the {ApiKeys.Header} header" : "the API key is not valid");
                return;
            }
        }
        await next(context);
    }
}
