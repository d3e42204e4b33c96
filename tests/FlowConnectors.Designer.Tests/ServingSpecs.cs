using System.Net;

namespace FlowConnectors.Designer.Tests;

/// <summary>The server serves the built designer at '/', index.html for client paths, and keeps its own 404s.</summary>
public sealed class ServingSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public async Task The_page_is_served_at_the_root_and_for_client_side_paths_but_server_paths_keep_their_404s()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Address };
        var root = await anonymous.GetAsync("/");
        root.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await root.Content.ReadAsStringAsync()).ShouldContain("<div id=\"root\">");
        (await anonymous.GetStringAsync("/flows/greet")).ShouldContain("<div id=\"root\">");

        (await fixture.Client.GetAsync("/api/no-such-thing")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync("/webhooks/no-such-token")).StatusCode.ShouldBe(HttpStatusCode.MethodNotAllowed);
        (await anonymous.GetAsync("/assets/no-such-file.js")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await anonymous.GetAsync("/api/activities")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task The_hashed_assets_are_cached_for_good_and_the_page_is_asked_for_again_at_every_load()
    {
        using var anonymous = new HttpClient { BaseAddress = fixture.Address };
        foreach (var page in new[] { "/", "/index.html", "/flows/greet" })
        {
            var response = await anonymous.GetAsync(page);
            response.Headers.CacheControl!.NoCache.ShouldBeTrue(page);
            response.Headers.CacheControl.MaxAge.ShouldBeNull(page);
        }
        var html = await anonymous.GetStringAsync("/");
        var script = System.Text.RegularExpressions.Regex.Match(html, "src=\"(/assets/index-[^\"]+\\.js)\"").Groups[1].Value;
        script.ShouldNotBeEmpty("index.html names its hashed entry script");
        var asset = await anonymous.GetAsync(script);
        asset.StatusCode.ShouldBe(HttpStatusCode.OK);
        asset.Headers.CacheControl!.Public.ShouldBeTrue();
        asset.Headers.CacheControl.MaxAge.ShouldBe(TimeSpan.FromDays(365));
        asset.Headers.CacheControl.Extensions.ShouldContain(e => e.Name == "immutable");
    }
}
