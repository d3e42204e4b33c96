using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace FlowConnectors.Import.Postman;

/// <summary>Postman's <c>{{variable}}</c> text: its parts, substitution, and the JavaScript that builds it from flow inputs.</summary>
internal static partial class PostmanTemplate
{
    [GeneratedRegex(@"\{\{([^{}]+)\}\}")] private static partial Regex Placeholder();
    [GeneratedRegex("[^A-Za-z0-9]+")] private static partial Regex NonAlphanumeric();

    private static readonly JsonSerializerOptions JsString = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static IEnumerable<string> Variables(string? text) =>
        text is null ? [] : Placeholder().Matches(text).Select(m => m.Groups[1].Value.Trim());

    /// <summary>Whether the whole text is one placeholder; its variable name when it is.</summary>
    public static bool IsSingleVariable(string text, out string name)
    {
        var match = Placeholder().Match(text.Trim());
        name = match.Success ? match.Groups[1].Value.Trim() : "";
        return match.Success && match.Length == text.Trim().Length;
    }

    /// <summary>Replaces known variables with their values (values may hold variables too); unknown ones stay.</summary>
    public static string Resolve(string text, IReadOnlyDictionary<string, string> values)
    {
        for (var depth = 0; depth < 10 && Placeholder().IsMatch(text); depth++)
        {
            var next = Placeholder().Replace(text, m => values.TryGetValue(m.Groups[1].Value.Trim(), out var v) ? v : m.Value);
            if (next == text) break;
            text = next;
        }
        return text;
    }

    /// <summary>A JavaScript expression giving the text, each variable read from its flow input.</summary>
    public static string ToJs(string text, Func<string, string> variableExpression)
    {
        var parts = new List<string>();
        var last = 0;
        foreach (Match m in Placeholder().Matches(text))
        {
            if (m.Index > last) parts.Add(Literal(text[last..m.Index]));
            parts.Add(variableExpression(m.Groups[1].Value.Trim()));
            last = m.Index + m.Length;
        }
        if (last < text.Length || parts.Count == 0) parts.Add(Literal(text[last..]));
        // Lead with a string so '+' concatenates even when the first part is a number input.
        if (parts.Count > 1 && !parts[0].StartsWith('"')) parts.Insert(0, "\"\"");
        return string.Join(" + ", parts);
    }

    public static string Literal(string text) => JsonSerializer.Serialize(text, JsString);

    /// <summary>A flow or card name as the deploy checks want it: no control or prohibited characters (Okta 003H), at most 100 characters.</summary>
    public static string DisplayName(string text)
    {
        var clean = new string(text.Select(c => char.IsControl(c) || FlowConnectors.Connectors.Manifest.ConnectorPackage.ProhibitedNameCharacters.Contains(c) ? ' ' : c).ToArray());
        clean = string.Join(' ', clean.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        return clean.Length <= 100 ? clean : clean[..99] + "…";
    }

    /// <summary>Gives every flow a name no other flow has (Okta 001H): a repeated name gets " (2)", " (3)"….</summary>
    public static void UniqueNames(IEnumerable<Engine.Flows.FlowDefinition> flows)
    {
        var taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var flow in flows)
        {
            if (string.IsNullOrWhiteSpace(flow.Name)) continue;
            var name = flow.Name;
            for (var n = 2; !taken.Add(name); n++) name = $"{flow.Name} ({n})";
            flow.Name = name;
        }
    }

    /// <summary>The longest id an import gives a flow, an input or a parameter: within the product's flow id limit (100) and short enough for file names on every platform.</summary>
    public const int MaxIdentifierLength = 64;

    /// <summary>
    /// An identifier from any text: <c>base-url</c> → <c>baseUrl</c>, <c>2fa</c> → <c>_2fa</c>, <c>Größe</c> → <c>groesse</c>;
    /// at most <see cref="MaxIdentifierLength"/> characters.
    /// </summary>
    public static string Identifier(string text, string fallback)
    {
        var words = NonAlphanumeric().Split(Transliterate(text)).Where(w => w.Length > 0).ToList();
        if (words.Count == 0) return fallback;
        // camelCase: a first word written "Größe" or "Close" starts lower-case; one written "URL" or "userId" stays as it is.
        var first = words.Count > 1 || (words[0].Length > 1 && char.IsUpper(words[0][0]) && char.IsLower(words[0][1]))
            ? char.ToLowerInvariant(words[0][0]) + words[0][1..] : words[0];
        var builder = new StringBuilder(first);
        foreach (var w in words.Skip(1)) builder.Append(char.ToUpperInvariant(w[0])).Append(w[1..]);
        var id = builder.ToString();
        id = char.IsDigit(id[0]) ? "_" + id : id;
        return id.Length <= MaxIdentifierLength ? id : id[..MaxIdentifierLength];
    }

    /// <summary>
    /// Latin letters with marks become their ASCII spelling, German style for umlauts (ä → ae, ß → ss),
    /// other marks dropped (é → e); letters with no Latin spelling are dropped.
    /// </summary>
    public static string Transliterate(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            var mapped = c switch
            {
                'ä' => "ae", 'ö' => "oe", 'ü' => "ue", 'Ä' => "Ae", 'Ö' => "Oe", 'Ü' => "Ue", 'ß' => "ss", 'ẞ' => "SS",
                'æ' => "ae", 'Æ' => "Ae", 'œ' => "oe", 'Œ' => "Oe", 'ø' => "o", 'Ø' => "O", 'ł' => "l", 'Ł' => "L",
                'đ' => "d", 'Đ' => "D", 'ð' => "d", 'Ð' => "D", 'þ' => "th", 'Þ' => "Th", 'ı' => "i",
                _ => null,
            };
            if (mapped is not null) { builder.Append(mapped); continue; }
            foreach (var d in c.ToString().Normalize(NormalizationForm.FormD))
                if (System.Globalization.CharUnicodeInfo.GetUnicodeCategory(d) != System.Globalization.UnicodeCategory.NonSpacingMark)
                    builder.Append(d);
        }
        return builder.ToString().Normalize(NormalizationForm.FormC);
    }
}
