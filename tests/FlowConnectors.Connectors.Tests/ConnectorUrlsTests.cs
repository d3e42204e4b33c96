using FlowConnectors.Connectors.Auth;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Tests;

/// <summary>
/// ConnectorUrls.Resolve reads segments in place and keeps the last base URL's parts: for every input it must give
/// what the straightforward version (splits, a base Uri per call; kept here as the reference) gave.
/// </summary>
public sealed class ConnectorUrlsTests
{
    private static readonly string[] Bases =
        ["https://api.example.com/v2", "https://api.example.com/v2/", "https://api.example.com", "http://127.0.0.1:5000/api/now", "https://API.example.com:443/V2//"];

    private static readonly string[] Relatives =
    [
        "", " ", "/", "users", "/users", "  /users?page=2  ", "?page=2", "#top", "/users#top", "/users/42/roles",
        "/api/now/table/incident/9d385017c611228701d22104cc95c371", "users/./x", "./users", ".", "..", "/..", "/users/..",
        "/users/../../admin", "..%2Fadmin", "%2e%2e/admin", "/%2E%2e/admin", "/.%2e/admin", "/x%2F..%2Fadmin", "/x%5C..%5Cadmin",
        "/x%2F.%2Fy", "/%2e", "/a%20b/c%3Fd", "/a?x=../..", "/a#../..", "/a?x=%2e%2e", "/tenants/acme%2F..%2Fadmin/users",
        "https://evil.example/x", "//evil.example/x", @"\\evil", @"/\evil.example/x", "javascript:alert(1)", "HTTP:x", "mailto:a@b",
        "/@evil.example/x", "@evil.example", "/v2x", "/%", "/%zz", "/users%", "...", "/.../x", "/..x", "/x..",
    ];

    [Fact]
    public void Every_relative_url_resolves_or_is_refused_as_before_under_every_base_url()
    {
        // Bases alternate so the kept base URL changes between calls.
        for (var round = 0; round < 2; round++)
            foreach (var relative in Relatives)
                foreach (var baseUrl in Bases)
                    Outcome(() => ConnectorUrls.Resolve(baseUrl, relative)).ShouldBe(Outcome(() => Reference(baseUrl, relative)), $"{baseUrl} + '{relative}'");
    }

    [Fact]
    public void A_base_url_whose_host_differs_only_in_case_or_default_port_is_the_same_base()
    {
        ConnectorUrls.Resolve("https://API.example.com:443/v2", "/users").ToString().ShouldBe("https://api.example.com/v2/users");
        ConnectorUrls.Resolve("https://api.example.com/v2", "/users").ToString().ShouldBe("https://api.example.com/v2/users");
    }

    private static string Outcome(Func<Uri> resolve)
    {
        try
        {
            return "resolved " + resolve().AbsoluteUri;
        }
        catch (Exception e)
        {
            return $"threw {e.GetType().Name}: {e.Message}";
        }
    }

    /// <summary>The implementation before segments were read in place (its checks, in its order).</summary>
    private static Uri Reference(string baseUrl, string relativeUrl)
    {
        var relative = relativeUrl.Trim();
        if (relative.Contains("://", StringComparison.Ordinal) || relative.StartsWith("//", StringComparison.Ordinal) ||
            relative.Contains('\\') || System.Text.RegularExpressions.Regex.IsMatch(relative, "^(?:https?|ftp|file|data|javascript|mailto):", System.Text.RegularExpressions.RegexOptions.IgnoreCase))
            throw new ActivityFaultException($"relative URL '{relativeUrl}' must be a path under the connector's base URL, not an absolute URL");
        var pathPart = relative.Split('?', '#')[0];
        var segments = pathPart.Split('/');
        if (segments.Any(s => s is "." or ".." || Uri.UnescapeDataString(s).Split('/', '\\').Any(part => part is "." or "..")))
            throw new ActivityFaultException($"relative URL '{relativeUrl}' must not contain '.' or '..' segments");
        var root = baseUrl.TrimEnd('/');
        var combined = relative.Length == 0 ? root : relative.StartsWith('?') ? root + relative : root + "/" + relative.TrimStart('/');
        var uri = new Uri(combined, UriKind.Absolute);
        var baseUri = new Uri(root + "/");
        if (!string.Equals(uri.GetLeftPart(UriPartial.Authority), baseUri.GetLeftPart(UriPartial.Authority), StringComparison.OrdinalIgnoreCase) ||
            !(uri.AbsolutePath + "/").StartsWith(baseUri.AbsolutePath, StringComparison.Ordinal))
            throw new ActivityFaultException($"relative URL '{relativeUrl}' leaves the connector's base URL");
        return uri;
    }
}

/// <summary>The per-request origin check compares without building the origin string: it must agree with OriginOf.</summary>
public sealed class OriginCheckTests
{
    [Theory]
    [InlineData("https://api.example.com/v2/x")]
    [InlineData("HTTPS://API.Example.COM:443/x")]
    [InlineData("http://127.0.0.1:5000/api")]
    [InlineData("https://bücher.example/x")]
    [InlineData("http://[::1]:8080/")]
    public void IsOriginOf_agrees_with_OriginOf(string url)
    {
        var uri = new Uri(url);
        var origin = FlowConnectors.Connectors.Connections.Connection.OriginOf(uri);
        var longHost = new Uri("https://" + new string('a', 60) + "." + new string('b', 60) + "." + new string('c', 60) + "." + new string('d', 60) + ".example/x");

        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(uri, origin).ShouldBeTrue();
        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(uri, origin.ToUpperInvariant()).ShouldBe(origin == origin.ToUpperInvariant());
        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(uri, origin + "0").ShouldBeFalse();
        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(uri, null).ShouldBeFalse();
        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(longHost, FlowConnectors.Connectors.Connections.Connection.OriginOf(longHost)).ShouldBeTrue();
        FlowConnectors.Connectors.Connections.Connection.IsOriginOf(longHost, origin).ShouldBeFalse();
    }
}

/// <summary>
/// A URL without "{{" is returned as it is, without the placeholder regex: every text must expand (or be refused) as the
/// regex alone expands it.
/// </summary>
public sealed class PlaceholderExpansionTests
{
    private static readonly string[] Texts =
    [
        "", "https://api.example.com", "/users", "{", "}}", "{connection.tenant}", "{ {connection.tenant}}", "{{connection.tenant}",
        "{{connection.tenant}}", "{{ connection.tenant }}", "{{connection.missing}}", "{{connection.token}}", "{{Connection.tenant}}",
        "{{connection.}}", "{{connection.9x}}", "x{{{connection.tenant}}}y", "}}{{", "{{", "{{}}", "/a/{{connection.tenant}}/b?c={{connection.region}}",
        "https://{{connection.tenant}}.example.com/v2", "{{connection.tenant}}{{connection.tenant}}", "{\u200B{connection.tenant}}",
    ];

    [Fact]
    public void Base_and_relative_urls_expand_or_are_refused_as_the_regex_alone_does()
    {
        var (manifest, problems) = Manifest.ManifestReader.Read(TestFlows.Manifest("""{ "kind": "apiKey", "parameter": "token" }""",
            """[ { "name": "token", "label": "Token", "type": "password", "required": true }, { "name": "tenant", "label": "Tenant", "type": "text" }, { "name": "region", "label": "Region", "type": "text", "default": "eu 1" } ]"""));
        problems.ShouldBeEmpty();
        var connection = new Connections.Connection
        {
            Id = "c1", ConnectorKey = TestFlows.Key,
            Values = new(StringComparer.Ordinal) { ["tenant"] = "acme/1", ["token"] = "t0ken" },
        };
        foreach (var text in Texts)
        {
            Outcome(() => ConnectorUrls.Expand(text, connection)).ShouldBe(Outcome(() => ReferenceExpand(text, connection)), text);
            Outcome(() => ConnectorUrls.ExpandRelative(text, manifest!, connection)).ShouldBe(Outcome(() => ReferenceExpandRelative(text, manifest!, connection)), text);
        }
        // Without a placeholder the text itself comes back, as Regex.Replace gives it.
        ConnectorUrls.Expand("/users", connection).ShouldBeSameAs(Manifest.ManifestReader.ConnectionPlaceholder().Replace("/users", _ => ""));
    }

    private static string Outcome(Func<string> expand)
    {
        try { return "expanded " + expand(); }
        catch (Exception e) { return $"threw {e.GetType().Name}: {e.Message}"; }
    }

    /// <summary>The expansion before texts without "{{" were returned as they are.</summary>
    private static string ReferenceExpand(string template, Connections.Connection connection) =>
        Manifest.ManifestReader.ConnectionPlaceholder().Replace(template, m =>
            connection.Values.TryGetValue(m.Groups[1].Value, out var value)
                ? Uri.EscapeDataString(value)
                : throw new ActivityFaultException($"connection parameter '{m.Groups[1].Value}' is not set"));

    private static string ReferenceExpandRelative(string relativeUrl, Manifest.ConnectorManifest manifest, Connections.Connection connection) =>
        Manifest.ManifestReader.ConnectionPlaceholder().Replace(relativeUrl, m =>
        {
            var name = m.Groups[1].Value;
            var parameter = manifest.FindParameter(name) ?? throw new ActivityFaultException($"relative URL uses '{name}', which is not a connection parameter");
            if (parameter.Type == Manifest.ConnectionParameterType.Password)
                throw new ActivityFaultException($"relative URL must not use the password parameter '{name}'");
            var value = connection.Values.GetValueOrDefault(name) is { Length: > 0 } set ? set : parameter.Default;
            return value is null ? throw new ActivityFaultException($"connection parameter '{name}' is not set") : Uri.EscapeDataString(value);
        });
}
