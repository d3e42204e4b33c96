using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Persistence.Tests;

/// <summary>The Identity migration and the identity stores on a real database (users, roles, keys, audit, the single-key era's keys).</summary>
public abstract class IdentityStoreTests<TDatabase> : IAsyncLifetime where TDatabase : ITestDatabase, new()
{
    private readonly TDatabase _database = new();
    private ServiceProvider _services = null!;

    public async Task InitializeAsync()
    {
        await _database.CreateAsync();
        var services = new ServiceCollection().AddLogging().AddDataProtection().Services;
        services.AddFlowPersistence(_database.Options);
        services.AddIdentityCore<FlowUser>().AddRoles<IdentityRole>().AddFlowIdentityStores();
        _services = services.BuildServiceProvider();
        await PersistenceInitializer.MigrateAsync(_services);
    }

    public async Task DisposeAsync()
    {
        await _services.DisposeAsync();
        await _database.DisposeAsync();
    }

    [Fact]
    public async Task The_identity_migration_applies_once_and_matches_the_model()
    {
        await PersistenceInitializer.MigrateAsync(_services);
        await using var db = await _services.GetRequiredService<IDbContextFactory<IdentityDataContext>>().CreateDbContextAsync();
        (await db.Database.GetPendingMigrationsAsync()).ShouldBeEmpty();
        db.Database.GetMigrations().Select(m => m[(m.IndexOf('_') + 1)..]).ShouldBe(["Identity", "ConnectionSharing", "FlowPublishers"]);
        db.Database.HasPendingModelChanges().ShouldBeFalse();
    }

    [Fact]
    public async Task Connection_owners_and_shares_round_trip_and_a_reset_replaces_them()
    {
        var store = _services.GetRequiredService<IConnectionAccessStore>();
        (await store.GetAsync("c1")).ShouldBeNull();
        (await store.EnsureAsync(new ConnectionAccessRecord("c1", "owner-1", [new(ConnectionShare.Role, "editor", ConnectionShare.Use)]))).ShouldBeFalse();
        (await store.EnsureAsync(new ConnectionAccessRecord("c1", "someone-else", []))).ShouldBeTrue();
        await store.SetShareAsync("c1", new ConnectionShare(ConnectionShare.User, "user-2", ConnectionShare.Use));
        await store.SetShareAsync("c1", new ConnectionShare(ConnectionShare.User, "user-2", ConnectionShare.Manage));
        var record = (await store.GetAsync("c1"))!;
        record.OwnerId.ShouldBe("owner-1");
        record.Shares.Select(s => $"{s.Kind}:{s.Principal}:{s.Right}").ShouldBe(["role:editor:use", "user:user-2:manage"]);
        (await store.RemoveShareAsync("c1", ConnectionShare.Role, "editor")).ShouldBeTrue();
        (await store.RemoveShareAsync("c1", ConnectionShare.Role, "editor")).ShouldBeFalse();

        await store.ResetAsync(new ConnectionAccessRecord("c1", "owner-2", []));
        (await store.GetAsync("c1"))!.ShouldSatisfyAllConditions(r => r.OwnerId.ShouldBe("owner-2"), r => r.Shares.ShouldBeEmpty());
        (await store.ListAsync()).Select(r => r.ConnectionId).ShouldBe(["c1"]);
        await store.DeleteAsync("c1");
        (await store.GetAsync("c1")).ShouldBeNull();
    }

    [Fact]
    public async Task A_flows_publisher_is_recorded_and_replaced_by_the_next_one()
    {
        var store = _services.GetRequiredService<IConnectionAccessStore>();
        (await store.GetFlowPublisherAsync("nightly")).ShouldBeNull();
        await store.SetFlowPublisherAsync("nightly", "ada");
        (await store.GetFlowPublisherAsync("nightly")).ShouldBe("ada");
        await store.SetFlowPublisherAsync("nightly", "grace");
        (await store.GetFlowPublisherAsync("nightly")).ShouldBe("grace");
        (await store.GetFlowPublisherAsync("other")).ShouldBeNull();
    }

    [Fact]
    public async Task Users_roles_keys_audit_entries_and_single_key_era_keys_round_trip()
    {
        await using var scope = _services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<FlowUser>>();
        var roles = scope.ServiceProvider.GetRequiredService<RoleManager<IdentityRole>>();
        (await roles.CreateAsync(new IdentityRole("editor"))).Succeeded.ShouldBeTrue();
        var user = new FlowUser { UserName = "ada", CreatedAt = DateTimeOffset.UtcNow, LockoutEnabled = true };
        (await users.CreateAsync(user, "A long enough passw0rd!")).Succeeded.ShouldBeTrue();
        (await users.AddToRoleAsync(user, "editor")).Succeeded.ShouldBeTrue();
        (await users.CheckPasswordAsync((await users.FindByNameAsync("ada"))!, "A long enough passw0rd!")).ShouldBeTrue();
        (await users.GetRolesAsync(user)).ShouldBe(["editor"]);

        var keys = _services.GetRequiredService<IAccessKeyStore>();
        var created = new DateTimeOffset(2026, 12, 3, 9, 0, 0, TimeSpan.Zero); // whole seconds: PostgreSQL keeps microseconds
        await keys.AddAsync(new AccessKeyRecord("key_1", user.Id, "ci", ["flows.read"], created, created.AddDays(1)), "hash-1");
        var found = (await keys.FindByHashAsync("hash-1"))!;
        found.Scopes.ShouldBe(["flows.read"]);
        found.ExpiresAt!.Value.UtcTicks.ShouldBe(created.AddDays(1).UtcTicks);
        await keys.TouchAsync("key_1", created.AddMinutes(5));
        (await keys.RevokeAsync("key_1", created.AddMinutes(6))).ShouldBeTrue();
        (await keys.RevokeAsync("missing", created)).ShouldBeFalse();
        var listed = (await keys.ListAsync(user.Id)).Single();
        listed.RevokedAt!.Value.UtcTicks.ShouldBe(created.AddMinutes(6).UtcTicks);
        listed.LastUsedAt!.Value.UtcTicks.ShouldBe(created.AddMinutes(5).UtcTicks);

        var audit = _services.GetRequiredService<IAuditLog>();
        await audit.AppendAsync(new AuditRecord(created, "POST /api/flows", 201, user.Id, "ada", "key_1", "req-1", "id=x"));
        await audit.AppendAsync(new AuditRecord(created.AddSeconds(1), "POST /api/flows/{id}/run", 403, user.Id, "ada", null, "req-2", null, "needs runs.execute"));
        var entries = await audit.ListAsync(new AuditQuery(UserId: user.Id));
        entries.Select(e => e.RequestId).ShouldBe(["req-2", "req-1"]);
        (await audit.ListAsync(new AuditQuery(Status: 403))).Single().Detail.ShouldBe("needs runs.execute");

        await _services.GetRequiredService<IApiKeyStore>().AddAsync("first-start", "legacy-hash");
        (await keys.LegacyKeysAsync()).ShouldBe([("first-start", "legacy-hash")]);

        var submitters = _services.GetRequiredService<ICatalogSubmitterStore>();
        await submitters.RecordAsync("slack", "1.0.0", user.Id, created);
        (await submitters.FindAsync("slack", "1.0.0")).ShouldBe(user.Id);
        (await submitters.FindAsync("slack", "2.0.0")).ShouldBeNull();
    }
}

public sealed class SqliteIdentityStoreTests : IdentityStoreTests<SqliteTestDatabase>;

public sealed class PostgresIdentityStoreTests : IdentityStoreTests<PostgresTestDatabase>;
