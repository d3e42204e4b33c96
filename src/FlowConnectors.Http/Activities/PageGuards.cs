using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Http.Activities;

/// <summary>
/// What Paginate needs to tell a missing value from a JSON null, and to say what a page held instead:
/// a vendor's quirk or a template's mistake must end in an error that shows the way, never in a
/// page read as empty.
/// </summary>
internal static class PageGuards
{
    private const int ExcerptLength = 200;
    private const int MaxKeys = 20;

    /// <summary>The value at the path (JSON null is found, as null); otherwise where the walk stopped and what was there.</summary>
    public static bool TryFind(JsonElement root, string path, out JsonElement value, out string? missingHint)
    {
        value = root;
        missingHint = null;
        var walked = new List<string>();
        foreach (var segment in JsonValues.ParsePath(path))
        {
            if (value.ValueKind == JsonValueKind.Object && value.TryGetProperty(segment, out var next))
                value = next;
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < value.GetArrayLength())
                value = value[i];
            else
            {
                missingHint = Describe(value, walked);
                return false;
            }
            walked.Add(segment);
        }
        return true;
    }

    /// <summary>As <see cref="TryFind(JsonElement, string, out JsonElement, out string?)"/> on nodes.</summary>
    public static bool TryFind(JsonNode? root, string path, out JsonNode? value, out string? missingHint)
    {
        value = root;
        missingHint = null;
        var walked = new List<string>();
        foreach (var segment in JsonValues.ParsePath(path))
        {
            if (value is JsonObject o && o.TryGetPropertyValue(segment, out var next))
                value = next;
            else if (value is JsonArray a && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count)
                value = a[i];
            else
            {
                missingHint = value switch
                {
                    JsonObject obj => Where(walked) + " has: " + Keys(obj.Select(p => p.Key)),
                    JsonArray list => Where(walked) + $" is a list of {list.Count}",
                    _ => Where(walked) + " is " + ValueTypes.Describe(value),
                };
                return false;
            }
            walked.Add(segment);
        }
        return true;
    }

    private static string Describe(JsonElement value, List<string> walked) => value.ValueKind switch
    {
        JsonValueKind.Object => Where(walked) + " has: " + Keys(value.EnumerateObject().Select(p => p.Name)),
        JsonValueKind.Array => Where(walked) + $" is a list of {value.GetArrayLength()}",
        _ => Where(walked) + " is " + value.ValueKind.ToString().ToLowerInvariant(),
    };

    private static string Where(List<string> walked) => walked.Count == 0 ? "the response" : $"'{string.Join('.', walked)}'";

    private static string Keys(IEnumerable<string> keys)
    {
        var list = keys.Take(MaxKeys + 1).ToList();
        if (list.Count == 0) return "no fields";
        return list.Count > MaxKeys ? string.Join(", ", list.Take(MaxKeys)) + ", …" : string.Join(", ", list);
    }

    /// <summary>The start of a body on one line, long enough to recognise a sign-in page or an error document.</summary>
    public static string Excerpt(string text)
    {
        var oneLine = new string(text.Take(ExcerptLength).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return text.Length > ExcerptLength ? oneLine + "…" : oneLine;
    }

    /// <summary>How a record is recognised on the next page: its id at the path, or (no path) a digest of the whole record.</summary>
    public static (string Key, string? Id) RecordKey(JsonElement record, string idPath)
    {
        if (idPath.Length > 0)
        {
            var id = JsonValues.GetPath(record, idPath) is { } found ? found.ValueKind == JsonValueKind.String ? found.GetString()! : found.GetRawText() : "";
            return ("id:" + id, id);
        }
        var digest = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(record.GetRawText()));
        return ("sha:" + Convert.ToHexString(digest, 0, 12), null);
    }
}
