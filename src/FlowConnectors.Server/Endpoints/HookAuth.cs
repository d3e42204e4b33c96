using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Webhooks;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// What an HTTP endpoint trigger's <c>auth</c> input requires of a request to <c>/hooks/…</c>: the
/// server's API key, a shared secret in a header, or an HMAC signature of the body. The secret is a
/// reference (a named server secret or a connection parameter), never a value in flow JSON. Checked
/// before anything is stored or run.
/// </summary>
internal static class HookAuth
{
    public const string DefaultSecretHeader = "X-Webhook-Secret";

    /// <summary>The check's result: a refusal to answer with, or what to remember against replays and which headers hold secrets.</summary>
    public sealed record Result(IResult? Refusal, IReadOnlyList<string> ReplayKeys, TimeSpan RememberFor, IReadOnlyList<string> SecretHeaders);

    private static readonly Result Open = new(null, [], TimeSpan.Zero, []);

    public static async Task<Result> CheckAsync(JsonNode? auth, HttpRequest request, byte[] body, ServerOptions options, IConnectionStore connections,
        IServiceProvider services, DateTimeOffset now, ILogger logger, CancellationToken ct)
    {
        if (auth is null) return Open;
        var kind = auth is JsonObject o ? (string?)o["kind"] : null;
        switch (kind)
        {
            case "none":
                return Open;
            case "apiKey":
            {
                // Any user's key that may run flows (runs.execute), and is neither expired nor revoked.
                var key = ApiKeyAuthenticationHandler.KeyOf(request);
                if (key is null || !await services.GetRequiredService<ApiKeyVerifier>().AllowsAsync(key, Permissions.RunsExecute, ct))
                    return Refuse("API key required", $"this endpoint requires an API key in the {ApiKeyAuthenticationHandler.Header} header");
                return Open with { SecretHeaders = [ApiKeyAuthenticationHandler.Header] };
            }
            case "sharedSecret":
            {
                var header = (string?)auth["header"] ?? DefaultSecretHeader;
                if (await SecretAsync(auth["secret"], options, connections, logger, ct) is not { } secret) return Unavailable();
                var sent = request.Headers[header].ToString();
                // Hashing first makes the comparison constant-time whatever the lengths.
                if (sent.Length == 0 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(sent)), SHA256.HashData(Encoding.UTF8.GetBytes(secret))))
                    return Refuse("Invalid secret", $"this endpoint requires its shared secret in the {header} header");
                return Open with { SecretHeaders = [header] };
            }
            case "hmac":
            {
                if (await SecretAsync(auth["secret"], options, connections, logger, ct) is not { } secret) return Unavailable();
                var settings = new SignatureSettings
                {
                    Style = "hmac",
                    Header = (string?)auth["header"] ?? "X-Signature",
                    Algorithm = (string?)auth["algorithm"] ?? "sha256",
                    Prefix = (string?)auth["prefix"] ?? "",
                    Encoding = (string?)auth["encoding"] ?? "hex",
                    TimestampHeader = (string?)auth["timestampHeader"],
                    DeliveryIdHeader = (string?)auth["deliveryIdHeader"],
                    SecretParameter = "",
                };
                var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
                var check = WebhookSignatureVerifier.Verify(settings, secret, h => headers.GetValueOrDefault(h), body, now);
                if (!check.IsValid) return Refuse("Invalid signature", check.Reason ?? "the request's signature does not match");
                return new Result(null, check.ReplayKeys, check.RememberFor, []);
            }
            default:
                // The flow's validation refuses any other auth; a stored one that slipped through opens nothing.
                logger.LogWarning("an HTTP endpoint has auth kind '{Kind}', which is not known; its requests are refused", kind);
                return Refuse("Endpoint misconfigured", "this endpoint's authentication is not valid; its flow must be fixed");
        }
    }

    private static async Task<string?> SecretAsync(JsonNode? reference, ServerOptions options, IConnectionStore connections, ILogger logger, CancellationToken ct)
    {
        if (reference is JsonObject r && (string?)r["serverSecret"] is { Length: > 0 } name)
        {
            if (options.Secrets.TryGetValue(name, out var value) && value.Length > 0) return value;
            logger.LogWarning("an HTTP endpoint references server secret '{Name}', which is not configured (FlowConnectors:Secrets:{Name})", name, name);
            return null;
        }
        if (reference is JsonObject c && (string?)c["connection"] is { Length: > 0 } connectionId && (string?)c["parameter"] is { Length: > 0 } parameter)
        {
            Connection? connection;
            try { connection = await connections.GetAsync(connectionId, ct); }
            catch (ArgumentException) { connection = null; }
            // A failed vendor test (its _authping) does not make a stored signing secret wrong: only deauthorization or re-authorization do.
            if (connection is { Status: ConnectionStatus.Authorized or ConnectionStatus.TestFailed } && connection.Get(parameter) is { Length: > 0 } value) return value;
            logger.LogWarning("an HTTP endpoint references parameter '{Parameter}' of connection '{Connection}', which is not set or not authorized", parameter, connectionId);
            return null;
        }
        return null;
    }

    private static Result Refuse(string title, string detail) => Open with { Refusal = Problems.Result(401, title, detail) };

    private static Result Unavailable() =>
        Refuse("Endpoint secret unavailable", "this endpoint's secret is not configured on the server; nothing was run");
}
