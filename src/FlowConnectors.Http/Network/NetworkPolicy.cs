using System.Net;
using System.Net.Sockets;

namespace FlowConnectors.Http.Network;

/// <summary>
/// Which addresses flows may reach. A restricted policy refuses loopback, link-local (cloud metadata
/// 169.254.169.254 included), private, carrier-grade NAT, multicast and reserved ranges, in IPv4 and IPv6
/// (IPv4-mapped, NAT64 and 6to4 addresses are judged by the IPv4 address they carry), unless a host
/// name, an address or a CIDR range is allowed. The check is made on the addresses a name resolves
/// to, just before connecting, so a public name pointing inside is refused too.
/// </summary>
public sealed class NetworkPolicy
{
    /// <summary>The configuration key the server reads the allowed hosts from.</summary>
    public const string AllowedHostsSetting = "FlowConnectors:Network:AllowedHosts";

    private readonly HashSet<string> _names = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _suffixes = [];
    private readonly List<IpRange> _ranges = [];

    private NetworkPolicy(bool restricted, string howToAllow)
    {
        IsRestricted = restricted;
        HowToAllow = howToAllow;
    }

    /// <summary>Every address may be called (embedded hosts and tests that choose so).</summary>
    public static NetworkPolicy Unrestricted { get; } = new(false, "");

    /// <summary>
    /// Internal addresses are refused except the <paramref name="allowedHosts"/>: host names
    /// (<c>api.local</c>, or <c>*.corp.example</c> for a domain and its subdomains), addresses
    /// (<c>127.0.0.1</c>, <c>::1</c>) or CIDR ranges (<c>10.0.0.0/8</c>). <paramref name="howToAllow"/>
    /// completes error messages ("add it to …").
    /// </summary>
    public static NetworkPolicy Restricted(IEnumerable<string>? allowedHosts, string? howToAllow = null)
    {
        var policy = new NetworkPolicy(true, howToAllow ??
            $"add the host, its address or a CIDR range to {AllowedHostsSetting} (e.g. environment FlowConnectors__Network__AllowedHosts__0=127.0.0.1)");
        foreach (var raw in allowedHosts ?? [])
        {
            var entry = raw?.Trim() ?? "";
            if (entry.Length == 0) continue;
            if (IpRange.TryParse(entry, out var range)) policy._ranges.Add(range);
            else if (entry.StartsWith("*.", StringComparison.Ordinal) && Uri.CheckHostName(entry[2..]) == UriHostNameType.Dns) policy._suffixes.Add(entry[1..]);
            else if (Uri.CheckHostName(entry) == UriHostNameType.Dns) policy._names.Add(entry.TrimEnd('.'));
            else throw new ArgumentException($"{AllowedHostsSetting}: '{entry}' is neither a host name, an IP address nor a CIDR range like 10.0.0.0/8");
            policy.AllowedHosts.Add(entry);
        }
        return policy;
    }

    public bool IsRestricted { get; }
    /// <summary>The allowed entries as configured.</summary>
    public List<string> AllowedHosts { get; } = [];
    internal string HowToAllow { get; }

    /// <summary>Whether the host name itself is allowed (then whatever it resolves to may be called).</summary>
    public bool AllowsName(string host)
    {
        if (!IsRestricted) return true;
        host = host.TrimEnd('.');
        if (_names.Contains(host)) return true;
        foreach (var suffix in _suffixes)
            if (host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) || host.Equals(suffix[1..], StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }

    /// <summary>Null when <paramref name="address"/> (reached for <paramref name="host"/>) may be called; else why not, for an error message.</summary>
    public string? Refusal(string host, IPAddress address)
    {
        if (!IsRestricted) return null;
        if (InternalKind(address) is not { } kind) return null;
        foreach (var range in _ranges)
            if (range.Contains(address)) return null;
        var shown = address.IsIPv4MappedToIPv6 ? address.MapToIPv4().ToString() : address.ToString();
        var resolved = IPAddress.TryParse(host.Trim('[', ']'), out _) ? "" : $" (resolved from '{host}')";
        return $"the network policy refuses {shown}{resolved}: it is a {kind} address, and flows may call internal addresses only when allowed; to allow it, {HowToAllow}";
    }

    /// <summary>What kind of internal address this is, or null for a public one.</summary>
    public static string? InternalKind(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) return InternalKind(address.MapToIPv4());
        if (address.AddressFamily == AddressFamily.InterNetwork) return InternalKindV4(address.GetAddressBytes());
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return "non-IP";
        var b = address.GetAddressBytes();
        if (address.Equals(IPAddress.IPv6Loopback)) return "loopback";
        if (address.Equals(IPAddress.IPv6Any)) return "unspecified";
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0x80) return "link-local";
        if (b[0] == 0xfe && (b[1] & 0xc0) == 0xc0) return "site-local";
        if ((b[0] & 0xfe) == 0xfc) return "private (unique local)";
        if (b[0] == 0xff) return "multicast";
        // NAT64 (64:ff9b::/96) and 6to4 (2002::/16) carry an IPv4 address a gateway may turn into an internal one.
        if (b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && b[4..12].All(x => x == 0)) return InternalKindV4(b[12..16]);
        if (b[0] == 0x20 && b[1] == 0x02) return InternalKindV4(b[2..6]);
        // ::/96, the deprecated IPv4-compatible form (and ::/128 handled above).
        if (b[..12].All(x => x == 0)) return "reserved (IPv4-compatible IPv6)";
        if (b[0] == 0x01 && b[1..8].All(x => x == 0)) return "reserved (discard)";
        return null;
    }

    private static string? InternalKindV4(byte[] b) => b switch
    {
        [0, ..] => "unspecified (0.0.0.0/8)",
        [10, ..] => "private",
        [100, >= 64 and < 128, ..] => "shared (carrier-grade NAT)",
        [127, ..] => "loopback",
        [169, 254, 169, 254] => "link-local (cloud metadata service)",
        [169, 254, ..] => "link-local",
        [172, >= 16 and < 32, ..] => "private",
        [192, 0, 0, _] => "reserved (IETF protocol assignments)",
        [192, 168, ..] => "private",
        [198, 18 or 19, ..] => "reserved (benchmarking)",
        [>= 224 and < 240, ..] => "multicast",
        [>= 240, ..] => "reserved",
        _ => null,
    };

    /// <summary>An address with a prefix length, e.g. 10.0.0.0/8; a plain address is a /32 or /128.</summary>
    private readonly record struct IpRange(byte[] Network, int PrefixLength)
    {
        public static bool TryParse(string text, out IpRange range)
        {
            range = default;
            var slash = text.IndexOf('/');
            var addressText = (slash < 0 ? text : text[..slash]).Trim('[', ']');
            if (!IPAddress.TryParse(addressText, out var address) || addressText.All(char.IsAsciiDigit)) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            var bytes = address.GetAddressBytes();
            var length = bytes.Length * 8;
            if (slash >= 0 && (!int.TryParse(text[(slash + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out length) || length > bytes.Length * 8))
                return false;
            range = new IpRange(bytes, length);
            return true;
        }

        public bool Contains(IPAddress address)
        {
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            var bytes = address.GetAddressBytes();
            if (bytes.Length != Network.Length) return false;
            var bits = PrefixLength;
            for (var i = 0; i < bytes.Length && bits > 0; i++, bits -= 8)
            {
                var mask = bits >= 8 ? 0xff : (byte)(0xff << (8 - bits));
                if ((bytes[i] & mask) != (Network[i] & mask)) return false;
            }
            return true;
        }
    }
}
