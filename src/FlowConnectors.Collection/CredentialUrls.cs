namespace FlowConnectors.Collection;

/// <summary>
/// Credentials never go in a template's URLs: a URL is stored in the connector's files in plain text, sent in
/// logs and returned by the API, while the template's settings are encrypted in its connection. Flexera's
/// documentation says the same: "Do not include API credentials in the URL."
/// </summary>
public static class CredentialUrls
{
    // Compared without case, '-' or '_': api_key, api-key and apiKey are one name.
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal)
    {
        "token", "accesstoken", "authtoken", "idtoken", "refreshtoken", "bearer", "apikey", "apitoken", "key", "accesskey", "secretkey", "privatekey",
        "appkey", "appsecret", "secret", "clientsecret", "consumersecret", "password", "passwd", "pwd", "pass", "sig", "signature", "auth",
        "authorization", "credentials", "sessionid", "session", "xapikey", "code",
    };

    // Paging and sync tokens are positions, not credentials (pageToken, next_page_token, sync_token).
    private static readonly string[] Positions = ["page", "cursor", "next", "continuation", "sync", "offset"];

    /// <summary>Whether a query parameter's name says it carries a credential.</summary>
    public static bool IsCredentialName(string name)
    {
        var n = new string(name.Where(char.IsLetterOrDigit).Select(char.ToLowerInvariant).ToArray());
        if (n.Length == 0 || Positions.Any(p => n.Contains(p, StringComparison.Ordinal))) return false;
        return Names.Contains(n) || n.EndsWith("token", StringComparison.Ordinal) || n.EndsWith("secret", StringComparison.Ordinal) ||
               n.EndsWith("password", StringComparison.Ordinal) || n.EndsWith("apikey", StringComparison.Ordinal);
    }

    /// <summary>Why the URL must not be stored (user info, or a query parameter named like a credential), or null.</summary>
    public static string? Problem(string url, string settingsHint)
    {
        var queryStart = url.IndexOf('?', StringComparison.Ordinal);
        var beforeQuery = queryStart < 0 ? url : url[..queryStart];
        var scheme = beforeQuery.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            var authorityEnd = beforeQuery.IndexOf('/', scheme + 3);
            var authority = authorityEnd < 0 ? beforeQuery[(scheme + 3)..] : beforeQuery[(scheme + 3)..authorityEnd];
            if (authority.Contains('@', StringComparison.Ordinal))
                return $"the URL carries a user name or password (user:password@host); do not include API credentials in the URL — {settingsHint}";
        }
        if (queryStart < 0) return null;
        foreach (var pair in url[(queryStart + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = Uri.UnescapeDataString(pair.Split('=', 2)[0].Replace('+', ' '));
            if (IsCredentialName(name)) return QueryProblem(name, settingsHint);
        }
        return null;
    }

    public static string QueryProblem(string name, string settingsHint) =>
        $"query parameter '{name}' looks like a credential; do not include API credentials in the URL — {settingsHint}";

    /// <summary>Where a template's credentials go instead.</summary>
    public static string SettingsHint(TemplateAuthKind? kind) => kind switch
    {
        TemplateAuthKind.OAuth2ClientCredentials =>
            "the client id and secret are the template's settings (clientId, clientSecret), stored encrypted in its connection",
        _ => "the API key is the template's setting 'token', stored encrypted in its connection and sent in the auth header (auth.header, auth.tokenType)",
    };
}
