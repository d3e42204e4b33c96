using System.Net;
using System.Net.Sockets;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Where the server listens, by ASP.NET Core's own rules first: a <c>Kestrel:Endpoints</c> section, then
/// <c>urls</c> (<c>--urls</c>, <c>ASPNETCORE_URLS</c>, <c>DOTNET_URLS</c>), then our alias <c>FlowConnectors:Urls</c>,
/// then 127.0.0.1:5080.
/// </summary>
internal static class ListenAddresses
{
    /// <summary>Sets <see cref="ServerOptions.Urls"/> from the standard settings; true when Kestrel's own section binds instead.</summary>
    public static bool Resolve(IConfiguration configuration, ServerOptions options)
    {
        if (configuration.GetSection("Kestrel:Endpoints").GetChildren().Any())
        {
            // Kestrel binds its endpoints itself; the first one's URL names the server in messages and callback links.
            var first = configuration.GetSection("Kestrel:Endpoints").GetChildren().Select(e => e["Url"]).FirstOrDefault(u => !string.IsNullOrWhiteSpace(u));
            if (first is not null) options.Urls = first;
            return true;
        }
        if (configuration["urls"] is { Length: > 0 } urls) options.Urls = urls;
        return false;
    }

    /// <summary>
    /// Refuses to start on an address another process holds, before anything else starts: Kestrel would find it
    /// only after the host is up, and the host logs that failure with a stack trace.
    /// </summary>
    public static void EnsureFree(string urls)
    {
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0").Replace("://+", "://0.0.0.0"), UriKind.Absolute, out var uri))
                throw new StartupSettingException($"'{url}' is not a URL to listen on (--urls, ASPNETCORE_URLS or FlowConnectors:Urls)");
            if (uri.Port == 0) continue;
            var address = uri.IsLoopback ? IPAddress.Loopback : IPAddress.TryParse(uri.Host, out var parsed) ? parsed : null;
            if (address is null) continue;
            using var probe = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                probe.Bind(new IPEndPoint(address, uri.Port));
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.AddressAlreadyInUse or SocketError.AccessDenied)
            {
                var why = e.SocketErrorCode == SocketError.AccessDenied ? "needs privileges this process does not have" : "is already in use";
                throw new StartupSettingException($"{url}: the address {why}; choose another with --urls or FlowConnectors:Urls");
            }
        }
    }
}
