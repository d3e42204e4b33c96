using FlowConnectors.Connectors.Connections;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Persistence.Tests;

public abstract class ConnectionStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private const string Secret = "sk_live_5ecret-value-42";
    private const string AccessToken = "access-token-abcdef";
    private const string RefreshToken = "refresh-token-123456";

    private static Connection Sample() => new()
    {
        Id = "acme-prod",
        ConnectorKey = "acme",
        Name = "Acme production",
        Values = { ["domain"] = "acme.example.com" },
        Secrets = { ["apiKey"] = Secret },
        Tokens = new OAuthTokens(AccessToken, RefreshToken, T0.AddHours(1), "read write"),
        CreatedAt = T0,
        UpdatedAt = T0.AddMinutes(1),
    };

    [Fact]
    public async Task A_connection_round_trips_with_its_secrets_and_tokens()
    {
        var store = Get<IConnectionStore>();
        await store.SaveAsync(Sample());
        var back = (await store.GetAsync("acme-prod"))!;
        back.ConnectorKey.ShouldBe("acme");
        back.Name.ShouldBe("Acme production");
        back.Values["domain"].ShouldBe("acme.example.com");
        back.Secrets["apiKey"].ShouldBe(Secret);
        back.Tokens.ShouldBe(new OAuthTokens(AccessToken, RefreshToken, T0.AddHours(1), "read write"));
        back.Status.ShouldBe(ConnectionStatus.Authorized);
        back.CreatedAt.ShouldBe(T0);
        back.UpdatedAt.ShouldBe(T0.AddMinutes(1));

        back.Status = ConnectionStatus.Deauthorized;
        back.StatusReason = "revoked";
        back.Tokens = null;
        await store.SaveAsync(back);
        var again = (await store.GetAsync("acme-prod"))!;
        again.Status.ShouldBe(ConnectionStatus.Deauthorized);
        again.StatusReason.ShouldBe("revoked");
        again.Tokens.ShouldBeNull();

        await store.SaveAsync(new Connection { Id = "b", ConnectorKey = "other" });
        (await store.ListAsync()).Select(c => c.Id).ShouldBe(["acme-prod", "b"]);
        (await store.DeleteAsync("b")).ShouldBeTrue();
        (await store.DeleteAsync("b")).ShouldBeFalse();
        (await store.GetAsync("b")).ShouldBeNull();
        await Should.ThrowAsync<ArgumentException>(() => store.GetAsync("../etc"));
    }

    [Fact]
    public async Task Secrets_and_tokens_are_encrypted_at_rest_and_plain_values_stay_readable()
    {
        await Get<IConnectionStore>().SaveAsync(Sample());
        await using var db = OpenDb();
        var row = db.Connections.Single();
        var everything = string.Join("\n", row.Id, row.Name, row.ValuesJson, row.SecretsJson, row.TokensCiphertext, row.Status, row.StatusReason);
        everything.ShouldNotContain(Secret);
        everything.ShouldNotContain(AccessToken);
        everything.ShouldNotContain(RefreshToken);
        row.ValuesJson.ShouldContain("acme.example.com");
        row.SecretsJson.ShouldContain("apiKey");
        row.TokensCiphertext.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task A_different_key_ring_gives_a_clear_error_without_the_ciphertext()
    {
        await Get<IConnectionStore>().SaveAsync(Sample());
        await using var other = BuildServices(Database.Options, new EphemeralDataProtectionProvider());
        var error = await Should.ThrowAsync<ConnectionStoreException>(() => other.GetRequiredService<IConnectionStore>().GetAsync("acme-prod"));
        error.Message.ShouldContain("acme-prod");
        error.Message.ShouldContain("cannot be decrypted");
        error.Message.ShouldNotContain(Secret);
    }

    [Fact]
    public void Without_data_protection_the_connection_store_says_what_is_missing()
    {
        var services = new ServiceCollection().AddFlowPersistence(Database.Options).BuildServiceProvider();
        Should.Throw<InvalidOperationException>(() => services.GetRequiredService<IConnectionStore>()).Message.ShouldContain("AddDataProtection");
    }
}

public sealed class SqliteConnectionStoreTests : ConnectionStoreTests<SqliteTestDatabase>;

public sealed class PostgresConnectionStoreTests : ConnectionStoreTests<PostgresTestDatabase>;
