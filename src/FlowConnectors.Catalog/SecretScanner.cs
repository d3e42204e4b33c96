using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Catalog;

/// <summary>
/// Finds secret-looking values in a package's files: well-known credential formats (Slack, GitHub,
/// AWS, Google, Stripe keys, private keys, JWTs, Slack webhook URLs), literal values of fields named
/// like a credential (password, secret, token, apiKey, …), defaults of password parameters, and
/// literal Authorization headers. Test fixtures may hold placeholder credentials ("test-token",
/// "xxxx", "not_real"), never real-looking ones. Each finding names the file and JSON path, never the value.
/// </summary>
public static partial class SecretScanner
{
    private static readonly (string Name, Regex Pattern)[] Formats =
    [
        ("a Slack token", SlackToken()),
        ("a GitHub token", GitHubToken()),
        ("an AWS access key", AwsKey()),
        ("a Google API key", GoogleKey()),
        ("a Stripe live key", StripeKey()),
        ("a private key", PrivateKey()),
        ("a JSON Web Token", Jwt()),
        ("a Slack webhook URL", SlackWebhook()),
    ];

    private static readonly string[] Placeholders =
        ["test", "example", "dummy", "fake", "not_real", "not-real", "notreal", "placeholder", "changeme", "sample", "redacted", "***", "xxx", "your-", "your_", "<", "{{"];

    [GeneratedRegex(@"xox[abposr]-[0-9]{6,}-[0-9A-Za-z-]{6,}")] private static partial Regex SlackToken();
    [GeneratedRegex(@"(gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{50,})")] private static partial Regex GitHubToken();
    [GeneratedRegex(@"\b(AKIA|ASIA)[0-9A-Z]{16}\b")] private static partial Regex AwsKey();
    [GeneratedRegex(@"AIza[0-9A-Za-z_-]{35}")] private static partial Regex GoogleKey();
    [GeneratedRegex(@"(sk|rk)_live_[0-9A-Za-z]{16,}")] private static partial Regex StripeKey();
    [GeneratedRegex(@"-----BEGIN [A-Z ]*PRIVATE KEY-----")] private static partial Regex PrivateKey();
    [GeneratedRegex(@"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}")] private static partial Regex Jwt();
    [GeneratedRegex(@"hooks\.slack\.com/services/T[A-Z0-9]{6,}/B[A-Z0-9]{6,}/[A-Za-z0-9]{20,}")] private static partial Regex SlackWebhook();
    [GeneratedRegex(@"^(password|passwd|pwd|secret|client_?secret|api_?key|apikey|access_?token|refresh_?token|auth_?token|token|private_?key|signing_?secret|webhook_?secret|bearer)$", RegexOptions.IgnoreCase)]
    private static partial Regex SecretName();
    [GeneratedRegex(@"^\s*(Bearer|Basic|token)\s+\S{8,}", RegexOptions.IgnoreCase)] private static partial Regex AuthorizationValue();

    [GeneratedRegex(@"(password|passwd|secret|api_?key|token|credential|private_?key|bearer)", RegexOptions.IgnoreCase)] private static partial Regex SecretishName();

    /// <summary>
    /// Whether a value must not be copied into a default or a literal: a well-known credential format, an
    /// Authorization value, or a real-looking value under a name that says credential (apiToken, client_secret, …).
    /// Importers use it; the package scan is stricter about names and looser about fixtures.
    /// </summary>
    public static bool LooksLikeSecret(string? name, string value) =>
        Format(value) is not null ||
        (AuthorizationValue().IsMatch(value) && LooksReal(Credential(value))) ||
        (name is not null && SecretishName().IsMatch(name) && !IsPlaceholder(value) && value.Length >= 6);

    /// <summary>Each finding as <c>file: $.path: reason</c>.</summary>
    public static List<string> Scan(IReadOnlyDictionary<string, byte[]> files)
    {
        var findings = new List<string>();
        HashSet<string> passwordParameters = [];
        if (files.TryGetValue(ManifestReader.FileName, out var manifestBytes) && TryParse(manifestBytes) is JsonObject manifest &&
            manifest["connectionParameters"] is JsonArray parameters)
        {
            for (var i = 0; i < parameters.Count; i++)
            {
                if (parameters[i] is not JsonObject p || (string?)p["type"] != "password") continue;
                if ((string?)p["name"] is { } name) passwordParameters.Add(name);
                if (p["default"] is JsonValue v && v.TryGetValue(out string? value) && !IsPlaceholder(value))
                    findings.Add($"{ManifestReader.FileName}: $.connectionParameters[{i}].default: a password parameter has a default value");
            }
        }
        foreach (var (path, content) in files.OrderBy(f => f.Key, StringComparer.Ordinal))
        {
            if (TryParse(content) is { } json)
            {
                var isFixture = path.StartsWith("tests/", StringComparison.Ordinal);
                Walk(json, "$", null, (valuePath, name, text) =>
                {
                    if (Format(text) is { } format) findings.Add($"{path}: {valuePath}: looks like {format}");
                    else if (name is not null && SecretName().IsMatch(name) && LooksReal(text))
                        findings.Add($"{path}: {valuePath}: '{name}' holds a literal credential");
                    else if (name is not null && name.Equals("authorization", StringComparison.OrdinalIgnoreCase) && AuthorizationValue().IsMatch(text) && LooksReal(Credential(text)))
                        findings.Add($"{path}: {valuePath}: a literal Authorization header");
                    else if (isFixture && name is not null && passwordParameters.Contains(name) && valuePath.StartsWith("$.connection.", StringComparison.Ordinal) && LooksReal(text))
                        findings.Add($"{path}: {valuePath}: fixture connection value for password parameter '{name}' is not a placeholder (use e.g. test-{name})");
                });
            }
            else if (!IsBinary(content) && Format(Encoding.UTF8.GetString(content)) is { } format)
                findings.Add($"{path}: looks like it holds {format}");
        }
        return findings;
    }

    /// <summary>The credential in an Authorization value; for Basic, the decoded password (so base64 of test-password is a placeholder).</summary>
    private static string Credential(string authorization)
    {
        var parts = authorization.Trim().Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length < 2) return authorization;
        if (!parts[0].Equals("Basic", StringComparison.OrdinalIgnoreCase)) return parts[1];
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parts[1]));
            return decoded.Contains(':') ? decoded[(decoded.IndexOf(':') + 1)..] : decoded;
        }
        catch (FormatException)
        {
            return parts[1];
        }
    }

    private static string? Format(string text)
    {
        foreach (var (name, pattern) in Formats)
            if (pattern.Match(text) is { Success: true } match && LooksReal(match.Value)) return name;
        return null;
    }

    /// <summary>Not a placeholder, and varied enough to be a real credential (8+ characters, 6+ distinct).</summary>
    private static bool LooksReal(string value) => value.Length >= 8 && !IsPlaceholder(value) && value.Distinct().Count() >= 6;

    private static bool IsPlaceholder(string value) =>
        value.Length == 0 || Placeholders.Any(p => value.Contains(p, StringComparison.OrdinalIgnoreCase));

    private static void Walk(JsonNode? node, string path, string? name, Action<string, string?, string> visit)
    {
        switch (node)
        {
            case JsonObject o:
                // An expression is computed at run time: { "js": … } and { "template": … } are not literals.
                if (o.Count == 1 && (o.ContainsKey("js") || o.ContainsKey("template"))) return;
                foreach (var (key, value) in o) Walk(value, JsonPath.Property(path, key), key, visit);
                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++) Walk(a[i], $"{path}[{i}]", name, visit);
                break;
            case JsonValue v when v.TryGetValue(out string? text):
                visit(path, name, text);
                break;
        }
    }

    private static JsonNode? TryParse(byte[] content)
    {
        try { return JsonNode.Parse(content); }
        catch (JsonException) { return null; }
    }

    private static bool IsBinary(byte[] content) => Array.IndexOf(content, (byte)0) >= 0;
}
