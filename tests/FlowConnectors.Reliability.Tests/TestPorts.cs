using System.Net;
using System.Net.Sockets;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// Ports for server processes that must keep their port across a kill -9 and a restart. A port asked of the OS (bind to
/// 0, close, hand on) is an ephemeral one: in the seconds before the child binds it, or between a kill and the restart,
/// any process binding port 0 (another test assembly's Kestrel stub vendor) can be given the same port, and the test
/// then talks to that process. These ports come from below Linux's ephemeral range (32768–60999), which binding port 0
/// never hands out, each at most once per test run, and only when nothing listens on them now.
/// </summary>
internal static class TestPorts
{
    private const int First = 20000;
    private const int Last = 32000;
    private static readonly Lock Gate = new();
    private static readonly HashSet<int> Given = [];
    private static int _next = First + Random.Shared.Next(Last - First);

    public static int Reserve()
    {
        lock (Gate)
        {
            for (var tried = 0; tried <= Last - First; tried++)
            {
                var port = _next;
                _next = _next >= Last ? First : _next + 1;
                if (Given.Contains(port) || !IsFree(port)) continue;
                Given.Add(port);
                return port;
            }
        }
        throw new InvalidOperationException($"no free port between {First} and {Last} on 127.0.0.1");
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            listener.Stop();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
