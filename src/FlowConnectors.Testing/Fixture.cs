using System.Text.Json.Nodes;

namespace FlowConnectors.Testing;

/// <summary>A recorded test of one connector flow (docs/connectors.md, "Offline tests").</summary>
internal sealed record Fixture(
    string Description,
    string Flow,
    Dictionary<string, string>? Connection,
    JsonObject? Inputs,
    IReadOnlyList<Exchange> Exchanges,
    JsonObject? Outputs,
    string Status,
    string? Error)
{
    private static readonly string[] Fields = ["description", "flow", "connection", "tokens", "authorization", "inputs", "exchanges", "outputs", "fault"];

    /// <summary>
    /// OAuth tokens the fixture's connection starts with (fake ones): <c>{ "accessToken", "refreshToken", "expiresIn": seconds }</c>.
    /// A negative or short <c>expiresIn</c> simulates an expired token, so the fixture's exchanges start with the refresh.
    /// </summary>
    public JsonObject? Tokens { get; init; }

    /// <summary>
    /// A simulated OAuth 2.0 authorization-code sign-in: <c>{ "code": "…", "redirectUri": "…" }</c> (fake values). The
    /// runner exchanges the code at the connector's token URL as the server's sign-in callback does, so the fixture's
    /// exchanges start with that token request; what the token answer says (<c>expires_in</c>, a refresh token) then
    /// drives refreshes before expiry, after a 401 or an expiry detector, as in production.
    /// </summary>
    public (string Code, string RedirectUri)? Authorization { get; init; }

    /// <summary>The redirect URI a simulated sign-in sends with its code when the fixture names none.</summary>
    public const string DefaultRedirectUri = "http://127.0.0.1/oauth/callback";

    public static Fixture Read(string text)
    {
        if (JsonNode.Parse(text) is not JsonObject root) throw new FixtureException("a fixture must be a JSON object");
        foreach (var (field, _) in root)
            if (!Fields.Contains(field)) throw new FixtureException($"$.{field}: unknown field; a fixture has {string.Join(", ", Fields)}");
        var flow = (string?)root["flow"] ?? throw new FixtureException("$.flow: missing (the flow to run)");
        Dictionary<string, string>? connection = null;
        if (root["connection"] is JsonObject c)
            connection = c.ToDictionary(p => p.Key, p => (string?)p.Value ?? "", StringComparer.Ordinal);
        var exchanges = new List<Exchange>();
        var index = 0;
        foreach (var item in root["exchanges"] as JsonArray ?? [])
        {
            var path = $"$.exchanges[{index++}]";
            if (item is not JsonObject exchange || exchange["request"] is not JsonObject request || exchange["response"] is not JsonObject response)
                throw new FixtureException($"{path}: an exchange needs 'request' and 'response' objects");
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in request["headers"] as JsonObject ?? [])
            {
                if (FixtureRunner.CredentialHeaders.Contains(name))
                    throw new FixtureException($"{path}.request.headers.{name}: fixtures must not hold credentials");
                headers[name] = (string?)value ?? "";
            }
            var responseHeaders = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var (name, value) in response["headers"] as JsonObject ?? []) responseHeaders[name] = (string?)value ?? "";
            exchanges.Add(new Exchange(
                (string?)request["method"] ?? "GET",
                (string?)request["path"] ?? throw new FixtureException($"{path}.request.path: missing"),
                request["query"] as JsonObject,
                headers,
                request.ContainsKey("body"),
                request["body"]?.DeepClone(),
                response["status"]?.GetValue<int>() ?? 200,
                responseHeaders,
                response["body"]?.DeepClone()));
        }
        return new Fixture(
            (string?)root["description"] ?? "",
            flow,
            connection,
            root["inputs"]?.DeepClone() as JsonObject,
            exchanges,
            root["outputs"]?.DeepClone() as JsonObject,
            root.ContainsKey("fault") ? "faulted" : "finished",
            (string?)root["fault"])
        {
            Tokens = root["tokens"] switch
            {
                null => null,
                JsonObject tokens when tokens["accessToken"] is JsonValue => tokens,
                _ => throw new FixtureException("$.tokens: an object with 'accessToken', optional 'refreshToken' and 'expiresIn' (seconds; negative = expired)"),
            },
            Authorization = root["authorization"] switch
            {
                null => null,
                JsonObject a when a["code"] is JsonValue code && code.TryGetValue(out string? codeText) && codeText.Length > 0 =>
                    (codeText, a["redirectUri"] is JsonValue r && r.TryGetValue(out string? uri) ? uri : DefaultRedirectUri),
                _ => throw new FixtureException("$.authorization: an object with 'code' (the code the provider sent back) and optional 'redirectUri'"),
            },
        };
    }
}

internal sealed record Exchange(
    string Method,
    string Path,
    JsonObject? Query,
    Dictionary<string, string> Headers,
    bool HasBody,
    JsonNode? Body,
    int Status,
    Dictionary<string, string> ResponseHeaders,
    JsonNode? ResponseBody);

public sealed class FixtureException(string message) : Exception(message);
