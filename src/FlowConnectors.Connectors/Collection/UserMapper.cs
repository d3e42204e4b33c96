using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Connectors.Collection;

/// <summary>Applies a template's filters and field mapping to vendor records.</summary>
public sealed class UserMapper
{
    // Paths are split once, not per record.
    private readonly string[] _id;
    private readonly string[]? _email, _name, _department, _status, _created, _lastActivity;
    private readonly (string[] Path, TemplateFilter Filter)[] _filters;
    private readonly string? _application;

    public UserMapper(UserMapping mapping, IReadOnlyList<TemplateFilter> filters, TemplateActivity? activity)
    {
        _id = Split(mapping.Id)!;
        _email = Split(mapping.Email);
        _name = Split(mapping.Name);
        _department = Split(mapping.Department);
        _status = Split(mapping.Status);
        _created = Split(mapping.Created);
        _lastActivity = Split(activity?.LastActivityField);
        _filters = filters.Select(f => (Split(f.Field)!, f)).ToArray();
        _application = activity?.Application;
    }

    private static string[]? Split(string? path) => path is null ? null : [.. JsonValues.ParsePath(path)];

    private static JsonNode? Get(JsonNode? record, string[] path)
    {
        var current = record;
        foreach (var segment in path)
        {
            if (current is JsonObject o) current = o.TryGetPropertyValue(segment, out var next) ? next : null;
            else if (current is JsonArray a && int.TryParse(segment, System.Globalization.NumberStyles.None, CultureInfo.InvariantCulture, out var i)) current = i < a.Count ? a[i] : null;
            else return null;
            if (current is null) return null;
        }
        return current;
    }

    /// <summary>The kept users of a page, how many the filters left out, and how many had no id.</summary>
    /// <remarks>
    /// The page is read as one <see cref="JsonDocument"/> and walked by <see cref="JsonElement"/>:
    /// looking fields up in a page's <see cref="JsonNode"/>s builds a dictionary for every record,
    /// which cost more than fetching the page. Only the values a path reaches become nodes, so
    /// filters and text conversion behave exactly as on nodes.
    /// </remarks>
    public (List<CollectedUser> Users, int Filtered, int Skipped) MapPage(JsonArray records)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(16 * 1024);
        using (var writer = new Utf8JsonWriter(buffer)) records.WriteTo(writer);
        using var page = JsonDocument.Parse(buffer.WrittenMemory);
        var users = new List<CollectedUser>(records.Count);
        int filtered = 0, skipped = 0;
        foreach (var record in page.RootElement.EnumerateArray())
        {
            if (!Passes(record)) { filtered++; continue; }
            if (Map(record) is { } user) users.Add(user);
            else skipped++;
        }
        return (users, filtered, skipped);
    }

    private bool Passes(JsonElement record)
    {
        foreach (var (path, filter) in _filters)
        {
            var equal = Same(Get(record, path), filter.Value);
            if (filter.Operator == FilterOperator.Equals ? !equal : equal) return false;
        }
        return true;
    }

    private CollectedUser? Map(JsonElement record)
    {
        var id = Text(Get(record, _id));
        if (string.IsNullOrEmpty(id)) return null;
        return new CollectedUser
        {
            VendorId = id,
            Email = Text(Get(record, _email)),
            Name = Text(Get(record, _name)),
            Department = Text(Get(record, _department)),
            Status = Text(Get(record, _status)),
            CreatedAt = Time(Get(record, _created)),
            LastActivityAt = Time(Get(record, _lastActivity)),
            Application = _application,
        };
    }

    /// <summary>The value at the path as a node (null when absent or JSON null), as <see cref="Get(JsonNode?, string[])"/> finds it.</summary>
    private static JsonNode? Get(JsonElement record, string[]? path)
    {
        if (path is null) return null;
        var current = record;
        foreach (var segment in path)
        {
            if (current.ValueKind == JsonValueKind.Object)
            {
                if (!current.TryGetProperty(segment, out current)) return null;
            }
            else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                if (i >= current.GetArrayLength()) return null;
                current = current[i];
            }
            else return null;
        }
        return current.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            JsonValueKind.Object => JsonObject.Create(current),
            JsonValueKind.Array => JsonArray.Create(current),
            _ => JsonValue.Create(current),
        };
    }

    public bool Passes(JsonNode? record)
    {
        foreach (var (path, filter) in _filters)
        {
            var value = Get(record, path);
            var equal = Same(value, filter.Value);
            if (filter.Operator == FilterOperator.Equals ? !equal : equal) return false;
        }
        return true;
    }

    /// <summary>The user, or null when the record has no id.</summary>
    public CollectedUser? Map(JsonNode? record)
    {
        var id = Text(record, _id);
        if (string.IsNullOrEmpty(id)) return null;
        return new CollectedUser
        {
            VendorId = id,
            Email = Text(record, _email),
            Name = Text(record, _name),
            Department = Text(record, _department),
            Status = Text(record, _status),
            CreatedAt = Time(record, _created),
            LastActivityAt = Time(record, _lastActivity),
            Application = _application,
        };
    }

    private static bool Same(JsonNode? value, JsonNode? expected)
    {
        if (JsonValues.IsNull(expected)) return JsonValues.IsNull(value);
        if (JsonValues.IsNull(value)) return false;
        if (JsonNode.DeepEquals(value, expected)) return true;
        // "true" in a vendor's JSON (ServiceNow sends booleans as text) equals true in the template, and "5" equals 5.
        return JsonValues.ToText(value) == JsonValues.ToText(expected);
    }

    private static string? Text(JsonNode? record, string[]? path) => path is null ? null : Text(Get(record, path));

    private static string? Text(JsonNode? value)
    {
        if (JsonValues.IsNull(value)) return null;
        // ServiceNow's display values come as { "display_value": …, "link": … }.
        if (value is JsonObject obj && obj["display_value"] is { } display) value = display;
        var text = JsonValues.ToText(value);
        return text.Length == 0 ? null : text;
    }

    /// <summary>Unix seconds or milliseconds, or an ISO 8601 / "yyyy-MM-dd HH:mm:ss" text (UTC unless it says otherwise).</summary>
    public static DateTimeOffset? ParseTime(JsonNode? value)
    {
        if (JsonValues.IsNull(value)) return null;
        if (JsonValues.TryGetNumber(value, out var number) && value is JsonValue v && !v.TryGetValue(out string? _))
            return FromEpoch(number);
        var text = JsonValues.ToText(value).Trim();
        if (text.Length == 0) return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)) return FromEpoch(n);
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var parsed)
            ? parsed.ToUniversalTime()
            : null;
    }

    private static DateTimeOffset? FromEpoch(double n)
    {
        if (n <= 0 || double.IsNaN(n) || n > 1e14) return null;
        return n > 1e11 ? DateTimeOffset.FromUnixTimeMilliseconds((long)n) : DateTimeOffset.FromUnixTimeMilliseconds((long)(n * 1000));
    }

    private static DateTimeOffset? Time(JsonNode? record, string[]? path) => path is null ? null : Time(Get(record, path));

    private static DateTimeOffset? Time(JsonNode? value)
    {
        return ParseTime(value is JsonObject obj && obj["display_value"] is { } display ? display : value);
    }
}
