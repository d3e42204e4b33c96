namespace FlowConnectors.ClusterProxy;

internal static class ProxySettings
{
    /// <summary>An http URL on 127.0.0.1: the proxy is for trying a cluster on one machine and never listens or forwards elsewhere.</summary>
    public static Uri Loopback(string value, string setting)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp || uri.Host != "127.0.0.1")
            throw new ArgumentException($"--{setting}: '{value}' must be an http URL on 127.0.0.1 (http://127.0.0.1:<port>)");
        return uri;
    }
}
