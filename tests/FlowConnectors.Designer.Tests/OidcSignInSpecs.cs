using System.Net.Http.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Server;
using FlowConnectors.Server.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>"Sign in with …" through a local OpenID Connect provider (OpenIddict) in a real browser; its groups claim maps to roles.</summary>
public sealed class OidcSignInSpecs(OidcSignInSpecs.Fixture fixture) : IClassFixture<OidcSignInSpecs.Fixture>
{
    [Fact]
    public async Task A_user_signs_in_with_the_company_provider_and_gets_the_roles_its_groups_map_to()
    {
        await WithPageAsync("oidc-sign-in", async page =>
        {
            await page.GotoAsync(fixture.Address.ToString());
            await page.GetByTestId("sign-in-open").ClickAsync();
            await page.GetByTestId("sign-in-test").ClickAsync();
            await Assertions.Expect(page.GetByTestId("user-name")).ToContainTextAsync("ada.oidc", new() { Timeout = 60_000 });
            await Assertions.Expect(page.GetByTestId("palette-SetOutput")).ToBeVisibleAsync();
            await Assertions.Expect(page.GetByLabel("API key", new() { Exact = true })).ToHaveCountAsync(0);
        });

        var users = (await fixture.Client.GetFromJsonAsync<JsonArray>("/api/users"))!;
        var user = users.Single(u => (string)u!["userName"]! == "ada.oidc")!;
        user["roles"]!.AsArray().Select(r => (string)r!).ShouldBe(["editor", "viewer"]);
        user["logins"]!.AsArray().Select(l => (string)l!).ShouldBe(["test"]);
    }

    [Fact]
    public Task A_sign_in_the_provider_refuses_or_the_user_declines_comes_back_to_the_designer_saying_why() => WithPageAsync("oidc-refused", async page =>
    {
        // The provider refuses the server's client secret at its token endpoint (invalid_client).
        await page.GotoAsync(fixture.Address.ToString());
        await page.GetByTestId("sign-in-open").ClickAsync();
        await page.GetByTestId("sign-in-broken").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sign-in-error")).ToHaveTextAsync(
            "Broken IdP refused the sign-in (invalid_client). Its description is in the server's log; an administrator may need to check the provider's settings.",
            new() { Timeout = 60_000 });
        new Uri(page.Url).Query.ShouldBe("");
        // The user declines at the provider (access_denied).
        await page.Keyboard.PressAsync("Escape");
        await page.GetByTestId("sign-in-open").ClickAsync();
        await page.GetByTestId("sign-in-declined").ClickAsync();
        await Assertions.Expect(page.GetByTestId("sign-in-error")).ToContainTextAsync("Sign-in with Declining IdP was not allowed there (access_denied)",
            new() { Timeout = 60_000 });
        // Still signed out; a reload does not show the failure again.
        await page.ReloadAsync();
        await Assertions.Expect(page.GetByTestId("sign-in-open")).ToBeVisibleAsync();
        await Assertions.Expect(page.GetByTestId("sign-in-menu")).ToHaveCountAsync(0);
    });

    [Fact]
    public async Task A_callback_opened_by_hand_goes_back_to_the_designer_instead_of_failing()
    {
        using var browserless = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = fixture.Address };
        foreach (var path in new[] { "/auth/oidc/test/callback", "/auth/oidc/test/callback?error=access_denied", "/auth/oidc/test/callback?code=x&state=forged",
                     "/auth/oidc/test/done" })
        {
            using var response = await browserless.GetAsync(path);
            response.StatusCode.ShouldBe(System.Net.HttpStatusCode.Redirect, path);
            response.Headers.Location!.OriginalString.ShouldBe("/?signIn=failed&provider=test&reason=unmatched", path);
        }
    }

    /// <summary>
    /// Runs <paramref name="steps"/> in a browser context of its own. On a failure: a screenshot, and what the server and
    /// the provider logged (the sign-in runs through the server's OpenID Connect handler and the provider).
    /// </summary>
    private async Task WithPageAsync(string name, Func<IPage, Task> steps)
    {
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        try
        {
            await steps(page);
        }
        catch (Exception e)
        {
            var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
            Directory.CreateDirectory(folder);
            // A page still loading cannot be photographed: the test's own failure is what matters.
            try { await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(folder, name + ".png"), FullPage = true, Timeout = 5_000 }); }
            catch (TimeoutException) { }
            throw new ShouldAssertException($"{e.Message}{Environment.NewLine}Server log:{Environment.NewLine}{fixture.Log.Describe()}", e);
        }
        finally
        {
            await context.CloseAsync();
        }
    }

    /// <summary>
    /// The provider, then the server configured with it; the browser is the test process's one Chromium (<see cref="SharedBrowser"/>,
    /// the test opens its own context). A Chromium of its own cost a launch, and its cold first page load outlasted the page's
    /// 30 s under load (average 60 on 2 cores).
    /// </summary>
    public sealed class Fixture : IAsyncLifetime
    {
        private const string ApiKey = "oidc-test-api-key-0123456789";
        private readonly string _dataFolder = Directory.CreateTempSubdirectory("fc-oidc-data-").FullName;
        private readonly string _flowsFolder = Directory.CreateTempSubdirectory("fc-oidc-flows-").FullName;
        private OidcProvider? _provider;
        private WebApplication? _app;

        public Uri Address { get; private set; } = null!;
        public IBrowser Browser { get; private set; } = null!;
        public HttpClient Client { get; private set; } = null!;
        /// <summary>What the server and the provider logged at warning level and above.</summary>
        internal ServerLog Log { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            _provider = await OidcProvider.StartAsync("oidc-subject-1", "ada.oidc", ["flow-editors", "someone-elses-group"]);
            _app = await ServerApp.BuildAsync([], options =>
            {
                options.Urls = "http://127.0.0.1:0";
                options.DataFolder = _dataFolder;
                options.FlowsFolder = _flowsFolder;
                options.ApiKey = ApiKey;
                options.Access.Oidc["test"] = new OidcProviderOptions
                {
                    DisplayName = "Test IdP",
                    Authority = _provider.Address.ToString().TrimEnd('/'),
                    ClientId = OidcProvider.ClientId,
                    ClientSecret = OidcProvider.ClientSecret,
                    Scopes = ["email", "groups"],
                    RoleClaim = "groups",
                    RoleMap = new() { ["flow-editors"] = "editor" },
                    DefaultRoles = ["viewer"],
                    RequireHttpsMetadata = false,
                };
                // The same provider with a client secret it does not know, and a client whose sign-ins the user declines.
                options.Access.Oidc["broken"] = new OidcProviderOptions
                {
                    DisplayName = "Broken IdP",
                    Authority = _provider.Address.ToString().TrimEnd('/'),
                    ClientId = OidcProvider.ClientId,
                    ClientSecret = "not-the-client-secret-0123",
                    RequireHttpsMetadata = false,
                };
                options.Access.Oidc["declined"] = new OidcProviderOptions
                {
                    DisplayName = "Declining IdP",
                    Authority = _provider.Address.ToString().TrimEnd('/'),
                    ClientId = OidcProvider.DecliningClientId,
                    ClientSecret = OidcProvider.ClientSecret,
                    RequireHttpsMetadata = false,
                };
            });
            Log = new ServerLog().AttachTo(_app.Services, "server").AttachTo(_provider.Services, "provider");
            await _app.StartAsync();
            Address = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
            Client = new HttpClient { BaseAddress = Address };
            Client.DefaultRequestHeaders.Add("X-Api-Key", ApiKey);
            Browser = await SharedBrowser.GetAsync();
        }

        public async Task DisposeAsync()
        {
            Client?.Dispose();
            if (_app is not null)
            {
                await _app.StopAsync();
                await _app.DisposeAsync();
            }
            if (_provider is not null) await _provider.DisposeAsync();
            foreach (var folder in new[] { _dataFolder, _flowsFolder })
                try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
        }
    }
}
