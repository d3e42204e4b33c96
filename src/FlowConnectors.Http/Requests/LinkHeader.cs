using System.Text.RegularExpressions;

namespace FlowConnectors.Http.Requests;

/// <summary>Reads RFC 8288 Link headers as GitHub and others send them for pagination.</summary>
internal static partial class LinkHeader
{
    /// <summary>The target of the first link with <paramref name="rel"/>, resolved against the request URL.</summary>
    public static Uri? Find(string? headerValue, string rel, Uri requestUri)
    {
        if (string.IsNullOrEmpty(headerValue)) return null;
        foreach (Match link in LinkPattern().Matches(headerValue))
        {
            var parameters = link.Groups["params"].Value;
            foreach (Match relMatch in RelPattern().Matches(parameters))
            {
                var rels = relMatch.Groups["rel"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (rels.Contains(rel, StringComparer.OrdinalIgnoreCase) && Uri.TryCreate(requestUri, link.Groups["url"].Value, out var target))
                    return target;
            }
        }
        return null;
    }

    [GeneratedRegex("""<(?<url>[^>]*)>(?<params>[^<]*)""")]
    private static partial Regex LinkPattern();

    [GeneratedRegex("""rel\s*=\s*(?:"(?<rel>[^"]*)"|(?<rel>[^;,\s]+))""", RegexOptions.IgnoreCase)]
    private static partial Regex RelPattern();
}
