using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Auth;

/// <summary>Expands <c>{{connection.x}}</c> in manifest URLs and keeps relative URLs inside the base URL.</summary>
public static partial class ConnectorUrls
{
    [System.Text.RegularExpressions.GeneratedRegex("^(?:https?|ftp|file|data|javascript|mailto):", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex SchemePrefix();

    // Every request expands its base and relative URL; most have no placeholder, and a placeholder starts with "{{": without
    // one the text is returned as it is (as Regex.Replace returns it), with no delegate, closure or scan.
    private static bool HasPlaceholder(string text) => text.Contains("{{", StringComparison.Ordinal);

    public static string Expand(string template, Connection connection) => !HasPlaceholder(template) ? template :
        ManifestReader.ConnectionPlaceholder().Replace(template, m =>
            connection.Values.TryGetValue(m.Groups[1].Value, out var value)
                ? Uri.EscapeDataString(value)
                : throw new ActivityFaultException($"connection parameter '{m.Groups[1].Value}' is not set"));

    /// <summary>
    /// The base URL requests of <paramref name="connection"/> go to: the value of the manifest's
    /// <c>baseUrlParameter</c> when the connection sets it (an absolute http(s) URL), otherwise the
    /// manifest's <c>baseUrl</c> with its placeholders expanded.
    /// </summary>
    public static string BaseUrlFor(ConnectorManifest manifest, Connection connection)
    {
        if (manifest.BaseUrlParameter is { } parameter && connection.Values.TryGetValue(parameter, out var overriding) && !string.IsNullOrWhiteSpace(overriding))
            return IsBaseUrl(overriding.Trim())
                ? overriding.Trim().TrimEnd('/')
                : throw new ActivityFaultException($"connection parameter '{parameter}' must be an absolute http(s) URL without query or fragment");
        return Expand(manifest.BaseUrl, connection);
    }

    /// <summary>True for an absolute http(s) URL with a host and no user info, query or fragment.</summary>
    public static bool IsBaseUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0 &&
        uri.UserInfo.Length == 0 && uri.Query.Length == 0 && uri.Fragment.Length == 0;

    /// <summary>
    /// Expands <c>{{connection.x}}</c> in a card's relative URL with the connection's non-secret
    /// parameters (or their defaults), e.g. a ServiceNow API namespace kept on the connection.
    /// Secret parameters are refused: a credential never becomes part of a URL.
    /// </summary>
    public static string ExpandRelative(string relativeUrl, ConnectorManifest manifest, Connection connection) => !HasPlaceholder(relativeUrl) ? relativeUrl :
        ManifestReader.ConnectionPlaceholder().Replace(relativeUrl, m =>
        {
            var name = m.Groups[1].Value;
            var parameter = manifest.FindParameter(name) ?? throw new ActivityFaultException($"relative URL uses '{name}', which is not a connection parameter");
            if (parameter.Type == ConnectionParameterType.Password)
                throw new ActivityFaultException($"relative URL must not use the password parameter '{name}'");
            var value = connection.Values.GetValueOrDefault(name) is { Length: > 0 } set ? set : parameter.Default;
            return value is null ? throw new ActivityFaultException($"connection parameter '{name}' is not set") : Uri.EscapeDataString(value);
        });

    /// <summary>
    /// Joins a relative URL to the base URL. Absolute URLs, <c>//host</c>, backslashes and <c>..</c>
    /// segments are refused, so a card input can never send the connection's credentials elsewhere.
    /// </summary>
    public static Uri Resolve(string baseUrl, string relativeUrl)
    {
        var relative = relativeUrl.Trim();
        // Not Uri.TryCreate(Absolute): on Unix it reads "/users" as a file path.
        if (relative.Contains("://", StringComparison.Ordinal) || relative.StartsWith("//", StringComparison.Ordinal) ||
            relative.Contains('\\') || SchemePrefix().IsMatch(relative))
            throw new ActivityFaultException($"relative URL '{relativeUrl}' must be a path under the connector's base URL, not an absolute URL");
        // The path's segments are read in place (no array or string per segment: this runs for every request).
        var end = relative.AsSpan().IndexOfAny('?', '#');
        var pathPart = end < 0 ? relative.AsSpan() : relative.AsSpan(0, end);
        foreach (var range in pathPart.Split('/'))
        {
            var segment = pathPart[range];
            // An encoded slash ("..%2Fadmin") becomes a segment boundary on servers that decode it.
            if (IsDotSegment(segment) || (segment.Contains('%') && HasDotSegmentDecoded(segment)))
                throw new ActivityFaultException($"relative URL '{relativeUrl}' must not contain '.' or '..' segments");
        }
        var root = baseUrl.TrimEnd('/');
        // One string for the joined URL (trimming the relative one first made a second).
        var combined = relative.Length == 0 ? root : relative.StartsWith('?') ? root + relative : string.Concat(root, "/", relative.AsSpan().TrimStart('/'));
        var uri = new Uri(combined, UriKind.Absolute);
        var scope = BaseScope.Of(root);
        if (!string.Equals(uri.GetLeftPart(UriPartial.Authority), scope.Authority, StringComparison.OrdinalIgnoreCase) ||
            !IsUnder(uri.AbsolutePath, scope.Path))
            throw new ActivityFaultException($"relative URL '{relativeUrl}' leaves the connector's base URL");
        return uri;
    }

    /// <summary>The path of <paramref name="baseUrl"/> with a trailing slash, as <c>new Uri(baseUrl.TrimEnd('/') + "/").AbsolutePath</c>.</summary>
    internal static string BasePathOf(string baseUrl) => BaseScope.Of(baseUrl.TrimEnd('/')).Path;

    private static bool IsDotSegment(ReadOnlySpan<char> segment) => segment is "." or "..";

    /// <summary>A segment whose decoded form is, or holds between slashes or backslashes, a '.' or '..' segment.</summary>
    private static bool HasDotSegmentDecoded(ReadOnlySpan<char> segment)
    {
        var decoded = Uri.UnescapeDataString(segment.ToString()).AsSpan();
        foreach (var range in decoded.SplitAny('/', '\\'))
            if (IsDotSegment(decoded[range])) return true;
        return false;
    }

    /// <summary>As <c>(path + "/").StartsWith(basePath)</c> (a base path ends with '/'), without building the string.</summary>
    private static bool IsUnder(string path, string basePath) =>
        path.StartsWith(basePath, StringComparison.Ordinal) ||
        (path.Length + 1 == basePath.Length && basePath.AsSpan().StartsWith(path, StringComparison.Ordinal));

    /// <summary>
    /// The authority and path a base URL (without its trailing slashes) allows, kept for the last base URL seen:
    /// a connector's requests go to one base URL, and parsing it per request was a string and two objects.
    /// </summary>
    private sealed record BaseScope(string Root, string Authority, string Path)
    {
        private static BaseScope? s_last;

        public static BaseScope Of(string root)
        {
            if (Volatile.Read(ref s_last) is { } last && string.Equals(last.Root, root, StringComparison.Ordinal)) return last;
            var baseUri = new Uri(root + "/");
            var scope = new BaseScope(root, baseUri.GetLeftPart(UriPartial.Authority), baseUri.AbsolutePath);
            Volatile.Write(ref s_last, scope);
            return scope;
        }
    }
}
