using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;

namespace FlowConnectors.Connectors.Webhooks;

/// <summary>The outcome of checking a delivery's signature; <see cref="Reason"/> is safe to return to the caller.</summary>
public sealed record SignatureCheck(bool IsValid, string? Reason)
{
    public static SignatureCheck Valid { get; } = new(true, null);
    public static SignatureCheck Invalid(string reason) => new(false, reason);

    /// <summary>
    /// What identifies a valid delivery against replays: the signature it carried and, when the vendor
    /// sends one, its delivery id. Remembered for <see cref="RememberFor"/>.
    /// </summary>
    public IReadOnlyList<string> ReplayKeys { get; init; } = [];
    public TimeSpan RememberFor { get; init; }
}

/// <summary>
/// Verifies HMAC-signed webhook deliveries (GitHub, Slack, Stripe, or any header/algorithm/prefix) in
/// constant time, before any flow sees the payload, and names what must be remembered against replays.
/// </summary>
public static class WebhookSignatureVerifier
{
    /// <summary>
    /// How long a delivery without a signed timestamp (GitHub, plain HMAC) is remembered: a replay after
    /// that is accepted again. Signed timestamps bound the window themselves (twice the tolerance).
    /// </summary>
    public static readonly TimeSpan UntimestampedReplayWindow = TimeSpan.FromDays(7);

    public static SignatureCheck Verify(SignatureSettings settings, string secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var signature = header(settings.Header);
        if (string.IsNullOrEmpty(signature)) return SignatureCheck.Invalid($"missing signature header {settings.Header}");
        if (settings.Style == "stripe") return VerifyStripe(settings, secret, signature, body, now);
        if (!signature.StartsWith(settings.Prefix, StringComparison.Ordinal))
            return SignatureCheck.Invalid($"signature header {settings.Header} must start with '{settings.Prefix}'");
        byte[] signed;
        var timestamped = settings.Style == "slack" || settings.TimestampHeader is not null;
        if (timestamped)
        {
            var timestampHeader = settings.TimestampHeader ?? "X-Slack-Request-Timestamp";
            var timestamp = header(timestampHeader);
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || !TryFromUnix(seconds, out var at))
                return SignatureCheck.Invalid($"missing or invalid timestamp header {timestampHeader}");
            if ((now - at).Duration() > settings.Tolerance)
                return SignatureCheck.Invalid("the request timestamp is too old (possible replay)");
            // Slack signs "v0:<timestamp>:<body>".
            signed = [.. Encoding.UTF8.GetBytes($"v0:{timestamp}:"), .. body];
        }
        else
        {
            signed = body.ToArray();
        }
        var expected = Hash(settings.Algorithm, Encoding.UTF8.GetBytes(secret), signed);
        var provided = signature[settings.Prefix.Length..];
        byte[] actual;
        try
        {
            actual = settings.Encoding == "base64" ? Convert.FromBase64String(provided) : Convert.FromHexString(provided);
        }
        catch (FormatException)
        {
            return SignatureCheck.Invalid($"signature header {settings.Header} is not valid {settings.Encoding}");
        }
        if (!CryptographicOperations.FixedTimeEquals(expected, actual)) return SignatureCheck.Invalid("signature does not match");
        return Accepted(settings, header, expected, body, timestamped ? settings.Tolerance * 2 : UntimestampedReplayWindow);
    }

    /// <summary>
    /// Stripe: <c>Stripe-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=…]</c>, HMAC-SHA256 of
    /// <c>&lt;t&gt;.&lt;body&gt;</c>; a timestamp outside the tolerance (5 minutes) is refused, as Stripe's libraries do.
    /// </summary>
    private static SignatureCheck VerifyStripe(SignatureSettings settings, string secret, string header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        string? timestamp = null;
        var candidates = new List<string>();
        foreach (var part in header.Split(','))
        {
            var pair = part.Trim().Split('=', 2);
            if (pair.Length != 2) continue;
            if (pair[0] == "t") timestamp = pair[1];
            else if (pair[0] == "v1") candidates.Add(pair[1]);
        }
        if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || !TryFromUnix(seconds, out var at))
            return SignatureCheck.Invalid($"signature header {settings.Header} has no valid timestamp t=");
        if (candidates.Count == 0) return SignatureCheck.Invalid($"signature header {settings.Header} has no v1 signature");
        if ((now - at).Duration() > settings.Tolerance) return SignatureCheck.Invalid("the request timestamp is too old (possible replay)");
        var expected = Hash("sha256", Encoding.UTF8.GetBytes(secret), [.. Encoding.UTF8.GetBytes(timestamp + "."), .. body]);
        foreach (var candidate in candidates)
        {
            byte[] actual;
            try { actual = Convert.FromHexString(candidate); }
            catch (FormatException) { continue; }
            if (CryptographicOperations.FixedTimeEquals(expected, actual))
                return Accepted(settings, _ => null, expected, body, settings.Tolerance * 2, StripeEventId(body));
        }
        return SignatureCheck.Invalid("signature does not match");
    }

    private static SignatureCheck Accepted(SignatureSettings settings, Func<string, string?> header, byte[] signature, ReadOnlySpan<byte> body,
        TimeSpan window, string? deliveryId = null)
    {
        // The signature is unique to the signed content, so an exact replay is caught even when a header
        // the vendor does not sign (GitHub's delivery id) was changed; the delivery id catches redeliveries.
        var keys = new List<string> { "signature:" + Convert.ToHexStringLower(signature) };
        deliveryId ??= settings.DeliveryIdHeader is { } name ? header(name) : null;
        if (!string.IsNullOrEmpty(deliveryId)) keys.Add("delivery:" + deliveryId);
        return SignatureCheck.Valid with { ReplayKeys = keys, RememberFor = window };
    }

    /// <summary>Stripe events carry their id in the body (<c>evt_…</c>); Stripe advises remembering processed ids.</summary>
    private static string? StripeEventId(ReadOnlySpan<byte> body)
    {
        try { return (JsonNode.Parse(body) as JsonObject)?["id"] is JsonValue id && id.TryGetValue(out string? text) ? text : null; }
        catch (System.Text.Json.JsonException) { return null; }
    }

    private static bool TryFromUnix(long seconds, out DateTimeOffset at)
    {
        at = default;
        if (seconds > DateTimeOffset.MaxValue.ToUnixTimeSeconds()) return false;
        at = DateTimeOffset.FromUnixTimeSeconds(seconds);
        return true;
    }

    private static byte[] Hash(string algorithm, byte[] key, byte[] data) => algorithm switch
    {
        "sha1" => HMACSHA1.HashData(key, data),
        "sha512" => HMACSHA512.HashData(key, data),
        _ => HMACSHA256.HashData(key, data),
    };

    /// <summary>Computes a signature header value (for tests and for registering webhooks with stubs).</summary>
    public static string Sign(SignatureSettings settings, string secret, ReadOnlySpan<byte> body, long? timestamp = null)
    {
        if (settings.Style == "stripe")
        {
            var t = timestamp ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds();
            var stripe = Hash("sha256", Encoding.UTF8.GetBytes(secret), [.. Encoding.UTF8.GetBytes($"{t}."), .. body]);
            return $"t={t},v1={Convert.ToHexStringLower(stripe)}";
        }
        byte[] signed = timestamp is { } ts ? [.. Encoding.UTF8.GetBytes($"v0:{ts}:"), .. body] : body.ToArray();
        var hash = Hash(settings.Algorithm, Encoding.UTF8.GetBytes(secret), signed);
        return settings.Prefix + (settings.Encoding == "base64" ? Convert.ToBase64String(hash) : Convert.ToHexStringLower(hash));
    }
}
