using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace FlowConnectors.Server.Tests.Access;

/// <summary>
/// One real server for the access tests, with one user per role (each signed in through a browser session that made
/// the user's own API key) and the four-eyes rule on. Lockout after 3 wrong passwords.
/// </summary>
public sealed class AccessFixture : IAsyncLifetime
{
    public const string Password = "correct horse battery";
    public static readonly string[] RoleNames = ["owner", "admin", "editor", "operator", "viewer", "catalog-reviewer"];
    internal TestServer Server { get; private set; } = null!;
    /// <summary>Role → an API key of a user with that role alone (the owner's is the configured key).</summary>
    public Dictionary<string, string> Keys { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> UserIds { get; } = new(StringComparer.Ordinal);

    public async Task InitializeAsync()
    {
        Server = await TestServer.StartAsync(configure: options =>
        {
            options.Access.AllowSelfApproval = false;
            options.Access.MaxFailedSignIns = 3;
        });
        Keys["owner"] = TestServer.ApiKey;
        foreach (var role in RoleNames.Skip(1))
        {
            var (id, key) = await CreateUserWithKeyAsync($"matrix-{role}", [role]);
            UserIds[role] = id;
            Keys[role] = key;
        }
    }

    /// <summary>Creates a user (as the owner), signs them in with their password, and has them make their own key.</summary>
    public async Task<(string UserId, string Key)> CreateUserWithKeyAsync(string userName, string[] roles)
    {
        var created = await Server.Client.PostAsJsonAsync("/api/users", new { userName, password = Password, roles });
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var id = (string)(await created.Content.ReadFromJsonAsync<JsonNode>())!["id"]!;
        using var browser = Browser();
        var csrf = await SignInAsync(browser, userName, Password);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/keys") { Content = JsonContent.Create(new { name = "matrix" }) };
        request.Headers.Add("X-CSRF-Token", csrf);
        var made = await browser.SendAsync(request);
        made.StatusCode.ShouldBe(HttpStatusCode.Created, await made.Content.ReadAsStringAsync());
        return (id, (string)(await made.Content.ReadFromJsonAsync<JsonNode>())!["key"]!);
    }

    /// <summary>A client that keeps cookies, as a browser does, and follows no redirects.</summary>
    public HttpClient Browser() => new(new HttpClientHandler { UseCookies = true, CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
    {
        BaseAddress = Server.Address,
    };

    /// <summary>Signs in with a password; returns the session's CSRF token.</summary>
    public static async Task<string> SignInAsync(HttpClient browser, string userName, string password)
    {
        var response = await browser.PostAsJsonAsync("/auth/login", new { userName, password });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (string)(await response.Content.ReadFromJsonAsync<JsonNode>())!["csrfToken"]!;
    }

    public HttpClient KeyClient(string key)
    {
        var client = new HttpClient { BaseAddress = Server.Address };
        client.DefaultRequestHeaders.Add("X-Api-Key", key);
        return client;
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
