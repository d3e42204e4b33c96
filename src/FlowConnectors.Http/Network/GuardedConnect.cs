using System.Net;
using System.Net.Sockets;

namespace FlowConnectors.Http.Network;

/// <summary>
/// The connection step of every flow HTTP client under a restricted <see cref="NetworkPolicy"/>:
/// resolves the host, checks every address it resolves to, and connects only to a checked address,
/// so a name cannot be re-resolved to an internal address between the check and the connection.
/// It runs for every connection, so every redirect hop is checked as well.
/// </summary>
internal static class GuardedConnect
{
    public static Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>> For(NetworkPolicy policy) =>
        (context, ct) => ConnectAsync(policy, context.DnsEndPoint.Host, context.DnsEndPoint.Port, ct);

    private static async ValueTask<Stream> ConnectAsync(NetworkPolicy policy, string host, int port, CancellationToken ct)
    {
        var bare = host.Trim('[', ']');
        var isLiteral = IPAddress.TryParse(bare, out var literal);
        var addresses = isLiteral ? [literal!] : await Dns.GetHostAddressesAsync(bare, ct);
        if (addresses.Length == 0) throw new SocketException((int)SocketError.HostNotFound);
        if (isLiteral || !policy.AllowsName(bare))
            foreach (var address in addresses)
                if (policy.Refusal(bare, address) is { } refusal)
                    throw new NetworkPolicyException(refusal);
        SocketException? last = null;
        foreach (var address in addresses)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, port), ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        }
        throw last!;
    }

    /// <summary>The policy refusal inside an exception chain (SocketsHttpHandler wraps what the connect step throws).</summary>
    public static NetworkPolicyException? FindRefusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
            if (e is NetworkPolicyException refusal) return refusal;
        return null;
    }
}
