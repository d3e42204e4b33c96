using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;

namespace FlowConnectors.Connectors.Tests;

/// <summary>Connections: validated on creation, secrets encrypted at rest, never shown.</summary>
public sealed class ConnectionTests
{
    private const string Parameters = """
    [ { "name": "instance", "label": "Instance", "type": "text", "required": true },
      { "name": "region", "label": "Region", "type": "dropdown", "required": true, "default": "eu",
        "options": [ { "label": "EU", "value": "eu" }, { "label": "US", "value": "us" } ] },
      { "name": "token", "label": "Token", "type": "password", "required": true } ]
    """;

    private const string Secret = "tok-super-secret-4711";

    private static ConnectorFolder Connector() => TestFlows.Connector("""{ "kind": "apiKey", "parameter": "token" }""", Parameters);

    private static ConnectorRuntime Runtime(ConnectorFolder folder, IConnectionStore store) =>
        new([folder.Load()], new ConnectorRuntimeOptions { Connections = store });

    private static string RawFile(TempFolder store, string id) => File.ReadAllText(Path.Combine(store.Path, id + ".connection.json"));

    [Fact]
    public async Task File_store_encrypts_secret_values_and_tokens_and_keeps_plain_values_readable()
    {
        using var store = new TempFolder();
        using var folder = Connector();
        await using var runtime = Runtime(folder, new FileConnectionStore(store.Path));
        var connection = await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "prod", new Dictionary<string, string>
        {
            ["instance"] = "acme-prod-instance",
            ["region"] = "us",
            ["token"] = Secret,
        }, "c1");
        connection.Tokens = new OAuthTokens("access-token-abcdef", "refresh-token-ghijkl", null, null);
        await runtime.Options.Connections.SaveAsync(connection);

        var raw = RawFile(store, "c1");

        raw.ShouldContain("acme-prod-instance");
        raw.ShouldContain("\"us\"");
        raw.ShouldNotContain(Secret);
        raw.ShouldNotContain("access-token-abcdef");
        raw.ShouldNotContain("refresh-token-ghijkl");
    }

    [Fact]
    public async Task File_store_round_trips_through_a_second_instance_on_the_same_folder()
    {
        using var store = new TempFolder();
        var first = new FileConnectionStore(store.Path);
        var connection = new Connection { Id = "c1", ConnectorKey = TestFlows.Key, Name = "prod", CreatedAt = DateTimeOffset.UnixEpoch };
        connection.Values["instance"] = "acme";
        connection.Secrets["token"] = Secret;
        connection.Tokens = new OAuthTokens("access-token-abcdef", "refresh-token-ghijkl", DateTimeOffset.UnixEpoch.AddHours(1), "read");
        await first.SaveAsync(connection);

        var read = (await new FileConnectionStore(store.Path).GetAsync("c1"))!;

        read.Name.ShouldBe("prod");
        read.Values["instance"].ShouldBe("acme");
        read.Secrets["token"].ShouldBe(Secret);
        read.Tokens.ShouldBe(connection.Tokens);
        (await new FileConnectionStore(store.Path).ListAsync()).Select(c => c.Id).ShouldBe(["c1"]);
    }

    [Fact]
    public async Task File_store_with_replaced_keys_says_the_connection_cannot_be_decrypted()
    {
        using var store = new TempFolder();
        var connection = new Connection { Id = "c1", ConnectorKey = TestFlows.Key };
        connection.Secrets["token"] = Secret;
        await new FileConnectionStore(store.Path).SaveAsync(connection);
        foreach (var key in Directory.GetFiles(Path.Combine(store.Path, ".keys"))) File.Delete(key);

        var error = await Should.ThrowAsync<ConnectionStoreException>(() => new FileConnectionStore(store.Path).GetAsync("c1"));

        error.Message.ShouldContain("connection 'c1' cannot be decrypted");
        error.Message.ShouldContain(".keys");
        error.Message.ShouldNotContain(Secret);
    }

    [Fact]
    public async Task File_store_with_a_corrupted_key_folder_gives_a_clear_connection_store_error()
    {
        using var store = new TempFolder();
        var connection = new Connection { Id = "c1", ConnectorKey = TestFlows.Key };
        connection.Secrets["token"] = Secret;
        await new FileConnectionStore(store.Path).SaveAsync(connection);
        foreach (var key in Directory.GetFiles(Path.Combine(store.Path, ".keys"))) File.WriteAllText(key, "<key garbage");

        var error = await Should.ThrowAsync<ConnectionStoreException>(() => new FileConnectionStore(store.Path).GetAsync("c1"));

        error.Message.ShouldContain("connection 'c1' cannot be decrypted");
        error.Message.ShouldNotContain(Secret);
    }

    [Fact]
    public async Task Creating_a_connection_lists_every_problem_at_once_and_saves_nothing()
    {
        var store = new InMemoryConnectionStore();
        using var folder = Connector();
        await using var runtime = Runtime(folder, store);

        var error = await Should.ThrowAsync<ConnectorException>(() => runtime.Connections.CreateConnectionAsync(TestFlows.Key, "bad", new Dictionary<string, string>
        {
            ["region"] = "mars",
            ["tokn"] = "typo",
        }));

        error.Message.ShouldContain("unknown connection parameter 'tokn'");
        error.Message.ShouldContain("connection parameter 'instance' is required");
        error.Message.ShouldContain("connection parameter 'token' is required");
        error.Message.ShouldContain("connection parameter 'region' must be one of eu, us");
        (await store.ListAsync()).ShouldBeEmpty();
    }

    [Fact]
    public async Task A_dropdown_parameter_left_out_takes_its_default()
    {
        using var folder = Connector();
        await using var runtime = Runtime(folder, new InMemoryConnectionStore());

        var connection = await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "ok", new Dictionary<string, string> { ["instance"] = "acme", ["token"] = Secret });

        connection.Values["region"].ShouldBe("eu");
        connection.Secrets["token"].ShouldBe(Secret);
        connection.Values.ShouldNotContainKey("token");
    }

    [Fact]
    public async Task Public_json_of_a_connection_never_contains_secret_values()
    {
        using var folder = Connector();
        await using var runtime = Runtime(folder, new InMemoryConnectionStore());
        var connection = await runtime.Connections.CreateConnectionAsync(TestFlows.Key, "prod",
            new Dictionary<string, string> { ["instance"] = "acme", ["token"] = Secret });
        connection.Tokens = new OAuthTokens("access-token-abcdef", "refresh-token-ghijkl", null, null);

        var json = connection.ToPublicJson().ToJsonString();

        json.ShouldContain("\"instance\":\"acme\"");
        json.ShouldContain("\"secretsSet\":[\"token\"]");
        json.ShouldNotContain(Secret);
        json.ShouldNotContain("access-token-abcdef");
        json.ShouldNotContain("refresh-token-ghijkl");
    }
}
