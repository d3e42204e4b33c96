using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Cards;

/// <summary>Reads and checks a flow's <c>card</c> block.</summary>
internal static class CardReader
{
    private static readonly string[] Fields =
        ["kind", "label", "description", "group", "options", "fields", "dynamicInputs", "selectableOutputs", "registration", "deregistration", "signature", "interval", "sideEffects"];

    public static CardDefinition? Read(JsonNode? node, string file, List<FormatProblem> problems)
    {
        void Error(string path, string code, string message) => problems.Add(new(file, path, code, message));
        // A text field of another type is reported, never thrown (a number read as a string throws).
        string? Text(JsonNode? value, string path)
        {
            if (value is null) return null;
            if (value is JsonValue v && v.TryGetValue(out string? text)) return text;
            Error(path, "CARD_WRONG_TYPE", $"'{path[(path.LastIndexOf('.') + 1)..]}' must be a string, got {value.ToJsonString()}");
            return null;
        }
        if (node is not JsonObject card)
        {
            Error("$.card", "CARD_INVALID", "'card' must be an object");
            return null;
        }
        foreach (var (field, _) in card)
            if (!Fields.Contains(field))
                Error(JsonPath.Property("$.card", field), "CARD_UNKNOWN_FIELD", $"unknown card field '{field}'; a card has {string.Join(", ", Fields)}");
        CardKind kind;
        var kindText = card["kind"] is JsonValue kindValue && kindValue.TryGetValue(out string? k) ? k : card["kind"]?.ToJsonString();
        switch (kindText)
        {
            case "action": kind = CardKind.Action; break;
            case "helper": kind = CardKind.Helper; break;
            case "event": kind = CardKind.Event; break;
            case "polling": kind = CardKind.Polling; break;
            default:
                Error("$.card.kind", "CARD_INVALID_KIND", $"card kind '{kindText}' must be action, helper, event or polling");
                return null;
        }
        var options = (card["options"] as JsonArray)?.Select((o, i) => Text(o, JsonPath.Index("$.card.options", i)) ?? "").ToList() ?? [];
        var fields = new Dictionary<string, CardField>(StringComparer.Ordinal);
        if (card["fields"] is JsonObject fieldBlock)
            foreach (var (name, value) in fieldBlock)
                fields[name] = new CardField(ReadSource((value as JsonObject)?["dropdown"], JsonPath.Property(JsonPath.Property("$.card.fields", name), "dropdown"), file, problems));
        SignatureSettings? signature = null;
        if (card["signature"] is JsonObject s)
        {
            var secret = Text(s["secretParameter"], "$.card.signature.secretParameter");
            if (secret is null) Error("$.card.signature", "CARD_SIGNATURE", "signature needs 'secretParameter' (the connection parameter holding the signing secret)");
            var style = Text(s["style"], "$.card.signature.style") ?? "hmac";
            if (style is not ("github" or "slack" or "stripe" or "hmac"))
                Error("$.card.signature.style", "CARD_SIGNATURE", $"signature style '{style}' must be github, slack, stripe or hmac");
            var algorithm = Text(s["algorithm"], "$.card.signature.algorithm") ?? "sha256";
            if (algorithm is not ("sha1" or "sha256" or "sha512"))
                Error("$.card.signature.algorithm", "CARD_SIGNATURE", $"algorithm '{algorithm}' must be sha1, sha256 or sha512");
            signature = new SignatureSettings
            {
                Style = style,
                Header = Text(s["header"], "$.card.signature.header") ?? style switch
                {
                    "slack" => "X-Slack-Signature",
                    "github" => "X-Hub-Signature-256",
                    "stripe" => "Stripe-Signature",
                    _ => "X-Signature",
                },
                Algorithm = style == "stripe" ? "sha256" : algorithm,
                Prefix = style == "stripe" ? "" : Text(s["prefix"], "$.card.signature.prefix") ?? (style == "github" ? "sha256=" : style == "slack" ? "v0=" : ""),
                DeliveryIdHeader = Text(s["deliveryIdHeader"], "$.card.signature.deliveryIdHeader") ?? (style == "github" ? "X-GitHub-Delivery" : null),
                Encoding = Text(s["encoding"], "$.card.signature.encoding") ?? "hex",
                TimestampHeader = Text(s["timestampHeader"], "$.card.signature.timestampHeader") ?? (style == "slack" ? "X-Slack-Request-Timestamp" : null),
                SecretParameter = secret ?? "",
            };
        }
        TimeSpan? interval = null;
        if (Text(card["interval"], "$.card.interval") is { } intervalText)
        {
            if (TimeSpan.TryParse(intervalText, CultureInfo.InvariantCulture, out var parsed) && parsed > TimeSpan.Zero) interval = parsed;
            else Error("$.card.interval", "CARD_INTERVAL", $"interval '{intervalText}' must be a positive duration like 00:05:00");
        }
        FlowConnectors.Engine.Activities.SideEffects? sideEffects = null;
        if (card["sideEffects"] is { } declared)
        {
            if (FlowConnectors.Engine.Activities.SideEffectNames.TryParse(declared is JsonValue dv && dv.TryGetValue(out string? name) ? name : null, out var parsed)) sideEffects = parsed;
            else Error("$.card.sideEffects", "CARD_SIDE_EFFECTS", $"sideEffects {declared.ToJsonString()} must be none, idempotent or unsafe");
        }
        return new CardDefinition
        {
            SideEffects = sideEffects,
            Kind = kind,
            Label = Text(card["label"], "$.card.label"),
            Description = Text(card["description"], "$.card.description"),
            Group = Text(card["group"], "$.card.group"),
            Options = options,
            Fields = fields,
            DynamicInputs = ReadSource(card["dynamicInputs"], "$.card.dynamicInputs", file, problems),
            SelectableOutputs = card["selectableOutputs"] is JsonValue v && v.TryGetValue(out bool b) && b,
            Registration = Text(card["registration"], "$.card.registration"),
            Deregistration = Text(card["deregistration"], "$.card.deregistration"),
            Signature = signature,
            Interval = interval,
        };
    }

    private static DynamicSource? ReadSource(JsonNode? node, string path, string file, List<FormatProblem> problems)
    {
        if (node is null) return null;
        if (node is not JsonObject source || source["flow"] is not JsonValue flowValue || !flowValue.TryGetValue(out string? flow))
        {
            problems.Add(new(file, path, "CARD_INVALID", "a dynamic source must be { \"flow\": …, \"dependsOn\": [ … ] }"));
            return null;
        }
        var dependsOn = (source["dependsOn"] as JsonArray)?.Select(d => d is JsonValue v && v.TryGetValue(out string? name) ? name : d?.ToJsonString() ?? "").ToList() ?? [];
        return new DynamicSource(flow, dependsOn);
    }
}
