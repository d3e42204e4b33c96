using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Connectors.Collection;

/// <summary>Applies a template's filters and field mapping to vendor records.</summary>
public sealed class UserMapper
{
    private readonly UserMapping _mapping;
    private readonly IReadOnlyList<TemplateFilter> _filters;
    private readonly string? _lastActivityField;
    private readonly string? _application;

    public UserMapper(UserMapping mapping, IReadOnlyList<TemplateFilter> filters, TemplateActivity? activity)
    {
        _mapping = mapping;
        _filters = filters;
        _lastActivityField = activity?.LastActivityField;
        _application = activity?.Application;
    }

    /// <summary>The kept users of a page, how many the filters left out, and how many had no id.</summary>
    public (List<CollectedUser> Users, int Filtered, int Skipped) MapPage(JsonArray records)
    {
        var users = new List<CollectedUser>(records.Count);
        int filtered = 0, skipped = 0;
        foreach (var record in records)
        {
            if (!Passes(record)) { filtered++; continue; }
            if (Map(record) is { } user) users.Add(user);
            else skipped++;
        }
        return (users, filtered, skipped);
    }

    public bool Passes(JsonNode? record)
    {
        foreach (var filter in _filters)
        {
            var value = JsonValues.GetPath(record, filter.Field);
            var equal = Same(value, filter.Value);
            if (filter.Operator == FilterOperator.Equals ? !equal : equal) return false;
        }
        return true;
    }

    /// <summary>The user, or null when the record has no id.</summary>
    public CollectedUser? Map(JsonNode? record)
    {
        var id = Text(record, _mapping.Id);
        if (string.IsNullOrEmpty(id)) return null;
        return new CollectedUser
        {
            VendorId = id,
            Email = Text(record, _mapping.Email),
            Name = Text(record, _mapping.Name),
            Department = Text(record, _mapping.Department),
            Status = Text(record, _mapping.Status),
            CreatedAt = Time(record, _mapping.Created),
            LastActivityAt = Time(record, _lastActivityField),
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

    private static string? Text(JsonNode? record, string? path)
    {
        if (path is null) return null;
        var value = JsonValues.GetPath(record, path);
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

    private static DateTimeOffset? Time(JsonNode? record, string? path)
    {
        if (path is null) return null;
        var value = JsonValues.GetPath(record, path);
        return ParseTime(value is JsonObject obj && obj["display_value"] is { } display ? display : value);
    }
}
