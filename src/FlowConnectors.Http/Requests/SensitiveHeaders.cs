namespace FlowConnectors.Http.Requests;

/// <summary>Request headers whose values are credentials and must never surface in outputs, journals or messages.</summary>
public static class SensitiveHeaders
{
    private static readonly HashSet<string> Names = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "Proxy-Authorization", "Cookie", "X-Api-Key", "Api-Key", "X-Auth-Token", "X-Access-Token",
    };

    /// <summary>Whether the header named <paramref name="name"/> (any case) carries a credential.</summary>
    public static bool IsSensitive(string name) => Names.Contains(name);
}
