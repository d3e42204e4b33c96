using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// At start: the six roles exist; an owner exists (the first start makes one whose name and password are chosen
/// through the sign-in URL); the single-key era's key, the configured key or a new one (written to
/// data/api-key.txt) is the owner's first API key, so existing scripts keep working.
/// </summary>
internal static class AccessSetup
{
    public const string KeyFileName = "api-key.txt";

    /// <summary>Returns the owner's id and a sentence telling where the API key is.</summary>
    public static async Task<(string OwnerId, string KeyMessage)> EnsureAsync(IServiceProvider services, ServerOptions options, TimeProvider clock)
    {
        await using var scope = services.CreateAsyncScope();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FlowUser>>();
        var keys = scope.ServiceProvider.GetRequiredService<IAccessKeyStore>();
        foreach (var role in Roles.All)
            if (!await roles.RoleExistsAsync(role)) Check(await roles.CreateAsync(new IdentityRole(role)));

        var owner = (await users.GetUsersInRoleAsync(Roles.Owner)).OrderBy(u => u.CreatedAt).FirstOrDefault();
        if (owner is null)
        {
            owner = new FlowUser { UserName = "owner", CreatedAt = clock.GetUtcNow(), SetupPending = true, LockoutEnabled = true };
            Check(await users.CreateAsync(owner));
            Check(await users.AddToRoleAsync(owner, Roles.Owner));
        }

        // The single-key era's keys become the owner's (same hash: the key in data/api-key.txt keeps working).
        foreach (var (name, hash) in await keys.LegacyKeysAsync())
            await AddOwnerKeyAsync(keys, owner.Id, name, hash, clock);

        if (options.ApiKey is { Length: > 0 } fixedKey)
        {
            await AddOwnerKeyAsync(keys, owner.Id, "configured", ApiKeyAuthenticationHandler.Hash(fixedKey), clock);
            return (owner.Id, "API key: the one configured in FlowConnectors:ApiKey");
        }
        var file = Path.GetFullPath(Path.Combine(options.DataFolder, KeyFileName));
        if (await keys.AnyAsync()) return (owner.Id, File.Exists(file) ? $"API key: in {file}" : "API key: created on first start (its file was removed)");
        var key = ApiKeyAuthenticationHandler.NewKey();
        await AddOwnerKeyAsync(keys, owner.Id, "first-start", ApiKeyAuthenticationHandler.Hash(key), clock);
        await DataFiles.WritePrivateTextAsync(file, key + "\n");
        return (owner.Id, $"API key: created in {file}");
    }

    private static async Task AddOwnerKeyAsync(IAccessKeyStore keys, string ownerId, string name, string hash, TimeProvider clock)
    {
        if (await keys.FindByHashAsync(hash) is not null) return;
        await keys.AddAsync(new AccessKeyRecord("key_" + Guid.NewGuid().ToString("N")[..16], ownerId, name, [], clock.GetUtcNow(), null), hash);
    }

    private static void Check(IdentityResult result)
    {
        if (!result.Succeeded) throw new InvalidOperationException("identity setup failed: " + string.Join("; ", result.Errors.Select(e => e.Description)));
    }
}
