using System.Text.Json;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>
/// Turns a failed keyword of schemas/connector.schema.json into the code and message connector.json problems have
/// always had; null where a check of <see cref="ManifestReader"/> owns the rule with a sharper message (URLs, e-mail,
/// additional auth names, the fields an OAuth kind needs) or <see cref="LimitsReader"/> reads the block.
/// </summary>
internal static class ManifestSchemaProblems
{
    private static readonly string[] AuthKinds = ["none", "basic", "apiKey", "oauth2ClientCredentials", "oauth2AuthorizationCode", "custom"];

    /// <summary>The problems of one failed keyword: one per missing field for <c>required</c>, else at most one.</summary>
    public static IEnumerable<FormatProblem> Translate(SchemaViolation v, JsonElement root) =>
        v.Keyword == "required"
            ? Missing(v, root).Select(field => TranslateOne(v, root, field)).OfType<FormatProblem>()
            : TranslateOne(v, root, null) is { } problem ? [problem] : [];

    private static FormatProblem? TranslateOne(SchemaViolation v, JsonElement root, string? missing)
    {
        var segments = FormatSchema.Segments(v.Pointer).ToArray();
        var value = FormatSchema.At(root, v.Pointer);
        if (segments.FirstOrDefault() is "rateLimits" or "tokenExpiry") return null;
        if (v.SchemaPointer.Contains("/if", StringComparison.Ordinal) || v.SchemaPointer.Contains("/propertyNames", StringComparison.Ordinal)) return null;
        // An additional auth under a name it may not have is reported by name alone.
        if (segments is ["additionalAuth", var authName, ..] && !ManifestReader.IsAuthName(authName)) return null;

        FormatProblem Problem(string code, string message, string? path = null) => new(ManifestReader.FileName, path ?? v.Path, code, message);
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Undefined ? "" : value.GetRawText();
        var authPath = segments switch
        {
            ["auth", ..] => "$.auth",
            ["additionalAuth", var name, ..] => JsonPath.Property("$.additionalAuth", name),
            _ => null,
        };
        var isAdditionalAuth = segments is ["additionalAuth", _, ..];

        if (missing is not null)
        {
            return segments switch
            {
                [] when missing == "auth" => Problem("MANIFEST_MISSING_FIELD", "missing field 'auth' (an object with 'kind')", "$"),
                [] => Problem("MANIFEST_MISSING_FIELD", $"missing field '{missing}'", "$"),
                ["auth"] when missing == "kind" => Problem("MANIFEST_AUTH_KIND", $"auth kind '' must be {string.Join(", ", AuthKinds[..^1])} or {AuthKinds[^1]}", "$.auth.kind"),
                ["additionalAuth", _] when missing == "kind" => Problem("MANIFEST_AUTH_KIND", "an additional auth's kind must be basic or apiKey, got ''", authPath + ".kind"),
                // tokenUrl and authorizeUrl: checked as URLs, missing or not.
                ["auth" or "additionalAuth", ..] => null,
                ["connectionParameters", _] => Problem("MANIFEST_PARAMETER_NAME", "parameter name '' must be an identifier", JsonPath.Property(v.Path, "name")),
                ["connectionParameters", _, "options", ..] => Problem("MANIFEST_PARAMETER_OPTIONS", OptionShape, OptionsPath(v.Path)),
                ["connectionPresets", _] => Problem("MANIFEST_PRESET", PresetShape),
                _ => Problem("MANIFEST_MISSING_FIELD", $"missing field '{missing}'"),
            };
        }

        if (v.Keyword == "additionalProperties")
        {
            var field = v.Field;
            return segments switch
            {
                [_] => Problem("MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a manifest has {string.Join(", ", FieldsOf(""))}"),
                ["auth" or "additionalAuth", ..] => Problem("MANIFEST_AUTH_FIELD",
                    $"'{field}' does not apply to auth kind '{KindAt(root, segments)}'; it takes {string.Join(", ", AuthFields(KindAt(root, segments)))}"),
                ["connectionParameters", _, _] => Problem("MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a parameter has {string.Join(", ", FieldsOf("/properties/connectionParameters/items"))}"),
                ["connectionParameters", _, "options", ..] => Problem("MANIFEST_PARAMETER_OPTIONS", OptionShape, OptionsPath(v.Path)),
                ["connectionPresets", _, _] => Problem("MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; a preset has name and values"),
                ["http", _] => Problem("MANIFEST_UNKNOWN_FIELD", $"unknown http setting '{field}'"),
                _ => Problem("MANIFEST_UNKNOWN_FIELD", $"unknown field '{field}'; it takes {string.Join(", ", FieldsOf(v.SchemaPointer))}"),
            };
        }

        if (v.Keyword is "enum" or "const")
        {
            return segments switch
            {
                ["auth", "kind"] => Problem("MANIFEST_AUTH_KIND", $"auth kind '{text}' must be {string.Join(", ", AuthKinds[..^1])} or {AuthKinds[^1]}"),
                ["additionalAuth", _, "kind"] => Problem("MANIFEST_AUTH_KIND", $"an additional auth's kind must be basic or apiKey, got '{text}'"),
                [.., "in"] when authPath is not null => Problem("MANIFEST_AUTH_FIELD", $"'in' must be header or query, got '{text}'"),
                [.., "clientAuthentication"] when authPath is not null =>
                    Problem("MANIFEST_AUTH_FIELD", $"clientAuthentication must be client_secret_basic or client_secret_post, got '{text}'"),
                ["connectionParameters", _, "type"] => Problem("MANIFEST_PARAMETER_TYPE", $"parameter type '{text}' must be text, password or dropdown"),
                _ => Problem("MANIFEST_WRONG_TYPE", $"expected one of {string.Join(", ", Holder(v)?["enum"]?.AsArray().Select(e => e!.ToJsonString()) ?? [])}, got {text}"),
            };
        }

        if (v.Keyword == "type")
        {
            var field = segments.LastOrDefault() ?? "";
            var expected = FormatSchema.Expected((string?)Holder(v)?["type"]);
            return segments switch
            {
                ["auth"] => Problem("MANIFEST_MISSING_FIELD", "missing field 'auth' (an object with 'kind')", "$"),
                ["additionalAuth"] => Problem("MANIFEST_WRONG_TYPE", "'additionalAuth' must be an object of named auths"),
                ["additionalAuth", _] => Problem("MANIFEST_WRONG_TYPE", "an additional auth must be an object with 'kind'"),
                ["connectionParameters"] => Problem("MANIFEST_WRONG_TYPE", "'connectionParameters' must be an array"),
                ["connectionParameters", _] => Problem("MANIFEST_WRONG_TYPE", "a connection parameter must be an object"),
                ["connectionParameters", _, "name"] => Problem("MANIFEST_PARAMETER_NAME", $"parameter name '{text}' must be an identifier"),
                ["connectionParameters", _, "options", ..] => Problem("MANIFEST_PARAMETER_OPTIONS", OptionShape, OptionsPath(v.Path)),
                ["connectionPresets"] => Problem("MANIFEST_WRONG_TYPE", "'connectionPresets' must be a list of { name, values }"),
                ["connectionPresets", _] or ["connectionPresets", _, "name" or "values"] => Problem("MANIFEST_PRESET", PresetShape, JsonPath.Index("$.connectionPresets", int.Parse(segments[1]))),
                ["connectionPresets", _, "values", var parameter] => Problem("MANIFEST_WRONG_TYPE", $"preset value '{parameter}' must be a string"),
                ["http"] => Problem("MANIFEST_WRONG_TYPE", "'http' must be an object"),
                _ => Problem("MANIFEST_WRONG_TYPE", $"'{field}' must be {expected}"),
            };
        }

        return (segments, v.Keyword) switch
        {
            (["key"], "pattern") => Problem("MANIFEST_INVALID_KEY", $"key '{text}' must be 2–40 lower-case letters, digits or '-', starting with a letter or digit"),
            (["name"], "minLength") => Problem("MANIFEST_INVALID_NAME", "name must not be empty"),
            (["version"], "pattern") => Problem("MANIFEST_INVALID_VERSION", $"version '{text}' is not a semantic version (e.g. 1.2.3)"),
            (["accentColor"], "pattern") => Problem("MANIFEST_INVALID_COLOR", $"accentColor '{text}' must be #RRGGBB"),
            (["connectionParameters", _, "name"], _) => Problem("MANIFEST_PARAMETER_NAME", $"parameter name '{text}' must be an identifier"),
            (["connectionPresets", var index, "name"], _) => Problem("MANIFEST_PRESET", PresetShape, JsonPath.Index("$.connectionPresets", int.Parse(index))),
            // URLs are checked as URLs (with {{connection.…}} placeholders filled in), e-mail addresses as addresses.
            (_, "pattern" or "format") => null,
            _ => Problem("MANIFEST_WRONG_TYPE", v.LibraryMessage),
        };
    }

    private const string OptionShape = "each option must be { \"label\": …, \"value\": … } with a string value";
    private const string PresetShape = "a connection preset must be { \"name\": …, \"values\": { parameter: text } }";

    /// <summary>An option's problem is reported at its parameter's <c>options</c>, as it always was.</summary>
    private static string OptionsPath(string path) => path[..(path.IndexOf(".options", StringComparison.Ordinal) + ".options".Length)];

    private static System.Text.Json.Nodes.JsonObject? Holder(SchemaViolation v) => FormatSchema.Connector.Subschema(v.SchemaPointer);

    private static IEnumerable<string> FieldsOf(string schemaPointer) =>
        FormatSchema.Connector.Subschema(schemaPointer)?["properties"]?.AsObject().Select(p => p.Key) ?? [];

    /// <summary>The fields an auth kind takes: its branch of <c>$defs/auth</c>.</summary>
    private static IEnumerable<string> AuthFields(string kind) =>
        FormatSchema.Connector.Subschema("/$defs/auth")?["allOf"]?.AsArray()
            .Select(branch => branch!.AsObject())
            .FirstOrDefault(branch => (string?)branch["if"]?["properties"]?["kind"]?["const"] == kind)?["then"]?["properties"]?.AsObject().Select(p => p.Key) ?? [];

    private static IEnumerable<string> Missing(SchemaViolation v, JsonElement root)
    {
        var instance = FormatSchema.At(root, v.Pointer);
        var required = Holder(v)?["required"]?.AsArray().Select(r => (string)r!) ?? [];
        return instance.ValueKind == JsonValueKind.Object ? required.Where(name => !instance.TryGetProperty(name, out _)) : [];
    }

    private static string KindAt(JsonElement root, string[] segments)
    {
        var auth = FormatSchema.At(root, segments[0] == "auth" ? "/auth" : "/additionalAuth/" + FormatSchema.Escape(segments[1]));
        return auth.ValueKind == JsonValueKind.Object && auth.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String ? kind.GetString()! : "";
    }
}
