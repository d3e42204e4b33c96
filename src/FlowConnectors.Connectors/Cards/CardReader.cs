using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Cards;

/// <summary>
/// Reads and checks a flow's <c>card</c> block: schemas/card.schema.json checks its shape through the one format
/// validator (<see cref="FormatSchema"/>), each failed keyword becomes the problem cards have always reported,
/// System.Text.Json reads what is left as typed records, and the checks a schema cannot make follow.
/// </summary>
internal static class CardReader
{
    public static CardDefinition? Read(JsonNode? node, string file, List<FormatProblem> problems)
    {
        void Error(string path, string code, string message) => problems.Add(new(file, path, code, message));
        if (node is not JsonObject)
        {
            Error("$.card", "CARD_INVALID", "'card' must be an object");
            return null;
        }
        using var json = JsonDocument.Parse(node.ToJsonString());
        var root = json.RootElement;
        var leaveOut = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        var kindInvalid = false;
        var violations = FormatSchema.Card.Evaluate(root);
        foreach (var violation in violations)
        {
            if (Translate(violation, root, file) is not { } problem) continue;
            if (!reported.Add(problem.Path + " " + problem.Code)) continue;
            problems.Add(problem);
            kindInvalid |= problem.Code == "CARD_INVALID_KIND";
            if (violation.Keyword is "type" or "enum") leaveOut.Add(violation.Pointer);
        }
        if (kindInvalid || violations.Any(v => v.IsNumberOutOfRange)) return null;

        CardDocument card;
        try
        {
            card = JsonSerializer.Deserialize(FormatSchema.CopyWithout(root, leaveOut), CardJsonContext.Default.CardDocument) ?? new();
        }
        catch (JsonException e)
        {
            Error("$.card" + (e.Path ?? "$")[1..], "CARD_WRONG_TYPE", $"unreadable value: {e.Message}");
            return null;
        }
        var kind = card.Kind switch
        {
            "helper" => CardKind.Helper,
            "event" => CardKind.Event,
            "polling" => CardKind.Polling,
            _ => CardKind.Action,
        };
        var fields = new Dictionary<string, CardField>(StringComparer.Ordinal);
        foreach (var (name, field) in card.Fields ?? [])
            fields[name] = new CardField(Source(field?.Dropdown));
        SignatureSettings? signature = null;
        if (card.Signature is { } s)
        {
            var style = s.Style ?? "hmac";
            var algorithm = s.Algorithm ?? "sha256";
            signature = new SignatureSettings
            {
                Style = style,
                Header = s.Header ?? style switch
                {
                    "slack" => "X-Slack-Signature",
                    "github" => "X-Hub-Signature-256",
                    "stripe" => "Stripe-Signature",
                    _ => "X-Signature",
                },
                Algorithm = style == "stripe" ? "sha256" : algorithm,
                Prefix = style == "stripe" ? "" : s.Prefix ?? (style == "github" ? "sha256=" : style == "slack" ? "v0=" : ""),
                DeliveryIdHeader = s.DeliveryIdHeader ?? (style == "github" ? "X-GitHub-Delivery" : null),
                Encoding = s.Encoding ?? "hex",
                TimestampHeader = s.TimestampHeader ?? (style == "slack" ? "X-Slack-Request-Timestamp" : null),
                SecretParameter = s.SecretParameter ?? "",
            };
        }
        TimeSpan? interval = null;
        if (card.Interval is { } intervalText)
        {
            if (TimeSpan.TryParse(intervalText, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero) interval = parsed;
            else Error("$.card.interval", "CARD_INTERVAL", $"interval '{intervalText}' must be a positive duration like 00:05:00");
        }
        return new CardDefinition
        {
            SideEffects = card.SideEffects is { } named && Engine.Activities.SideEffectNames.TryParse(named, out var effects) ? effects : null,
            Kind = kind,
            Label = card.Label,
            Description = card.Description,
            Group = card.Group,
            Options = card.Options?.Select(o => o ?? "").ToList() ?? [],
            Fields = fields,
            DynamicInputs = Source(card.DynamicInputs),
            SelectableOutputs = card.SelectableOutputs ?? false,
            Registration = card.Registration,
            Deregistration = card.Deregistration,
            Signature = signature,
            Interval = interval,
        };
    }

    private static DynamicSource? Source(SourceDocument? source) =>
        source?.Flow is { } flow ? new DynamicSource(flow, source.DependsOn?.Select(d => d ?? "").ToList() ?? []) : null;

    private const string SourceShape = "a dynamic source must be { \"flow\": …, \"dependsOn\": [ … ] }";

    /// <summary>Today's code and message for one failed keyword of schemas/card.schema.json.</summary>
    private static FormatProblem? Translate(SchemaViolation v, JsonElement root, string file)
    {
        var segments = FormatSchema.Segments(v.Pointer).ToArray();
        var value = FormatSchema.At(root, v.Pointer);
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Undefined ? "" : value.GetRawText();
        var path = "$.card" + v.Path[1..];
        FormatProblem Problem(string code, string message, string? at = null) => new(file, at ?? path, code, message);
        if (v.IsNumberOutOfRange) return Problem("CARD_WRONG_TYPE", v.LibraryMessage);
        // A dynamic source of another shape is reported once, at the source.
        if (v.SchemaPointer.StartsWith("/$defs/dynamicSource", StringComparison.Ordinal))
        {
            var source = segments is ["dynamicInputs", ..] ? "$.card.dynamicInputs" : JsonPath.Property(JsonPath.Property("$.card.fields", segments[1]), "dropdown");
            return v.Keyword is "type" or "required" && (segments.Length <= 3 || segments[^1] == "flow") ? Problem("CARD_INVALID", SourceShape, source)
                : Problem("CARD_WRONG_TYPE", $"'{segments[^1]}' must be {Expected(v)}, got {text}");
        }
        return (segments, v.Keyword) switch
        {
            ([_], "additionalProperties") => Problem("CARD_UNKNOWN_FIELD",
                $"unknown card field '{v.Field}'; a card has {string.Join(", ", FormatSchema.Card.Subschema("")?["properties"]?.AsObject().Select(p => p.Key) ?? [])}"),
            ([], "required") => Problem("CARD_INVALID_KIND", "card kind '' must be action, helper, event or polling", "$.card.kind"),
            (["kind"], _) => Problem("CARD_INVALID_KIND", $"card kind '{text}' must be action, helper, event or polling"),
            (["signature"], "required") => Problem("CARD_SIGNATURE", "signature needs 'secretParameter' (the connection parameter holding the signing secret)"),
            (["signature", "style"], "enum") => Problem("CARD_SIGNATURE", $"signature style '{text}' must be github, slack, stripe or hmac"),
            (["signature", "algorithm"], "enum") => Problem("CARD_SIGNATURE", $"algorithm '{text}' must be sha1, sha256 or sha512"),
            (["sideEffects"], _) => Problem("CARD_SIDE_EFFECTS", $"sideEffects {value.GetRawText()} must be none, idempotent or unsafe"),
            (_, "type") => Problem("CARD_WRONG_TYPE", $"'{segments.LastOrDefault() ?? "card"}' must be {Expected(v)}, got {value.GetRawText()}"),
            _ => Problem("CARD_WRONG_TYPE", v.LibraryMessage),
        };
    }

    private static string Expected(SchemaViolation v) => FormatSchema.Expected((string?)FormatSchema.Card.Subschema(v.SchemaPointer)?["type"]);
}

/// <summary>The <c>card</c> block as written (schemas/card.schema.json), once the schema check has left out values of the wrong type.</summary>
internal sealed class CardDocument
{
    public string? Kind { get; init; }
    public string? Label { get; init; }
    public string? Description { get; init; }
    public string? Group { get; init; }
    public List<string?>? Options { get; init; }
    public Dictionary<string, CardFieldDocument?>? Fields { get; init; }
    public SourceDocument? DynamicInputs { get; init; }
    public bool? SelectableOutputs { get; init; }
    public string? Registration { get; init; }
    public string? Deregistration { get; init; }
    public SignatureDocument? Signature { get; init; }
    public string? Interval { get; init; }
    public string? SideEffects { get; init; }
}

internal sealed class CardFieldDocument
{
    public SourceDocument? Dropdown { get; init; }
}

internal sealed class SourceDocument
{
    public string? Flow { get; init; }
    public List<string?>? DependsOn { get; init; }
}

internal sealed class SignatureDocument
{
    public string? SecretParameter { get; init; }
    public string? Style { get; init; }
    public string? Algorithm { get; init; }
    public string? Header { get; init; }
    public string? Prefix { get; init; }
    public string? DeliveryIdHeader { get; init; }
    public string? Encoding { get; init; }
    public string? TimestampHeader { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(CardDocument))]
internal sealed partial class CardJsonContext : JsonSerializerContext;
