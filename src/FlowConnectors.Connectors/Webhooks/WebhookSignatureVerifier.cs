using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using FlowConnectors.Connectors.Cards;

namespace FlowConnectors.Connectors.Webhooks;

/// <summary>The outcome of checking a delivery's signature; <see cref="Reason"/> is safe to return to the caller.</summary>
public sealed record SignatureCheck(bool IsValid, string? Reason)
{
    public static SignatureCheck Valid { get; } = new(true, null);
    public static SignatureCheck Invalid(string reason) => new(false, reason);
}

/// <summary>
/// Verifies HMAC-signed webhook deliveries (GitHub, Slack, or any header/algorithm/prefix) in
/// constant time, before any flow sees the payload.
/// </summary>
public static class WebhookSignatureVerifier
{
    public static SignatureCheck Verify(SignatureSettings settings, string secret, Func<string, string?> header, ReadOnlySpan<byte> body, DateTimeOffset now)
    {
        var signature = header(settings.Header);
        if (string.IsNullOrEmpty(signature)) return SignatureCheck.Invalid($"missing signature header {settings.Header}");
        if (!signature.StartsWith(settings.Prefix, StringComparison.Ordinal))
            return SignatureCheck.Invalid($"signature header {settings.Header} must start with '{settings.Prefix}'");
        byte[] signed;
        if (settings.Style == "slack" || settings.TimestampHeader is not null)
        {
            var timestampHeader = settings.TimestampHeader ?? "X-Slack-Request-Timestamp";
            var timestamp = header(timestampHeader);
            if (!long.TryParse(timestamp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
                return SignatureCheck.Invalid($"missing or invalid timestamp header {timestampHeader}");
            if ((now - DateTimeOffset.FromUnixTimeSeconds(seconds)).Duration() > settings.Tolerance)
                return SignatureCheck.Invalid("the request timestamp is too old (possible replay)");
            // Slack signs "v0:<timestamp>:<body>".
            signed = [.. Encoding.UTF8.GetBytes($"v0:{timestamp}:"), .. body];
        }
        else
        {
            signed = body.ToArray();
        }
        var key = Encoding.UTF8.GetBytes(secret);
        var expected = settings.Algorithm switch
        {
            "sha1" => HMACSHA1.HashData(key, signed),
            "sha512" => HMACSHA512.HashData(key, signed),
            _ => HMACSHA256.HashData(key, signed),
        };
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
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? SignatureCheck.Valid : SignatureCheck.Invalid("signature does not match");
    }

    /// <summary>Computes a signature header value (for tests and for registering webhooks with stubs).</summary>
    public static string Sign(SignatureSettings settings, string secret, ReadOnlySpan<byte> body, long? timestamp = null)
    {
        byte[] signed = timestamp is { } ts ? [.. Encoding.UTF8.GetBytes($"v0:{ts}:"), .. body] : body.ToArray();
        var key = Encoding.UTF8.GetBytes(secret);
        var hash = settings.Algorithm switch
        {
            "sha1" => HMACSHA1.HashData(key, signed),
            "sha512" => HMACSHA512.HashData(key, signed),
            _ => HMACSHA256.HashData(key, signed),
        };
        return settings.Prefix + (settings.Encoding == "base64" ? Convert.ToBase64String(hash) : Convert.ToHexStringLower(hash));
    }
}
