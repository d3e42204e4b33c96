using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// One Chromium per test process, launched on first use: a launch costs seconds of CPU, and every test already runs
/// in its own browser context (FlowPage.WithPageAsync), which is what isolates tests from each other (cookies,
/// storage, permissions). Test classes that run in parallel share it safely: Playwright's client is thread-safe.
/// The browser goes with the test process (Playwright's driver ends with its parent and closes Chromium).
/// </summary>
internal static class SharedBrowser
{
    private static readonly Lazy<Task<IBrowser>> Launch = new(LaunchAsync, LazyThreadSafetyMode.ExecutionAndPublication);

    public static Task<IBrowser> GetAsync() => Launch.Value;

    private static async Task<IBrowser> LaunchAsync()
    {
        File.Exists(DesignerFixture.ChromiumPath).ShouldBeTrue($"{DesignerFixture.ChromiumPath} is missing: run scripts/chromium.sh (scripts/test.sh runs it)");
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = DesignerFixture.ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"],
        });
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Best effort: close Chromium before the test host goes (it would end with the driver anyway).
            try { browser.CloseAsync().Wait(TimeSpan.FromSeconds(5)); } catch (Exception) { }
            playwright.Dispose();
        };
        return browser;
    }
}
