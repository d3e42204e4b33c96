using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Collection;

/// <summary>Applies a template's filters and field mapping to vendor records.</summary>
public sealed class UserMapper
{
    // Paths are split once, not per record.
    private readonly FieldPath _id;
    private readonly FieldPath? _email, _name, _department, _status, _created, _lastActivity;
    private readonly (FieldPath Path, TemplateFilter Filter)[] _filters;
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

    private static FieldPath? Split(string? path) => path is null ? null : new FieldPath([.. JsonValues.ParsePath(path)]);

    /// <summary>A field path split once; its names also in UTF-8, as parsed JSON compares them without converting.</summary>
    private sealed class FieldPath(string[] segments)
    {
        public string[] Segments { get; } = segments;
        public byte[][] Utf8 { get; } = [.. segments.Select(System.Text.Encoding.UTF8.GetBytes)];
    }

    /// <summary>The kept users of a page, how many the filters left out, and how many had no id.</summary>
    /// <remarks>
    /// The page is walked as <see cref="JsonElement"/>s: looking fields up in a page's <see cref="JsonNode"/>s
    /// builds a dictionary for every record, which cost more than fetching the page. A page from Http.Paginate
    /// is read where it was parsed (<see cref="FlowConnectors.Http.Activities.PageRecords"/>); any other array is
    /// written out and parsed once. Only values a filter compares become nodes, so filters and text
    /// conversion behave exactly as on nodes.
    /// </remarks>
    public (List<CollectedUser> Users, int Filtered, int Skipped) MapPage(JsonArray records)
    {
        // A page from Http.Paginate comes with its parsed text: read in place, nothing written or parsed again.
        if (FlowConnectors.Http.Activities.PageRecords.TryGetParsed(records, out var parsed)) return MapPage(parsed);
        var buffer = t_buffer ??= new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        buffer.ResetWrittenCount();
        // The array's own JSON is valid: the writer need not check it again.
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true })) records.WriteTo(writer);
        using var page = JsonDocument.Parse(buffer.WrittenMemory);
        return MapPage(page.RootElement);
    }

    // One buffer per thread, reused page after page: an import maps a page at a time on each thread it runs on.
    [ThreadStatic] private static System.Buffers.ArrayBufferWriter<byte>? t_buffer;

    // Optimized from the first page: an import is a few hundred calls of this loop, about the time tiered
    // compilation takes to reach its optimized code, and it ran several times slower until then.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private (List<CollectedUser> Users, int Filtered, int Skipped) MapPage(JsonElement page)
    {
        var users = new List<CollectedUser>(page.GetArrayLength());
        int filtered = 0, skipped = 0, index = 0;
        foreach (var record in page.EnumerateArray())
        {
            index++;
            if (!Passes(record)) { filtered++; continue; }
            if (Map(record, index) is { } user) users.Add(user);
            else skipped++;
        }
        return (users, filtered, skipped);
    }

    /// <summary>A page sorted for a preview: the kept users, and the records the filters left out and those without an id, as they came.</summary>
    public (List<CollectedUser> Users, List<JsonNode?> Filtered, List<JsonNode?> Skipped) Classify(JsonArray records)
    {
        var users = new List<CollectedUser>();
        List<JsonNode?> filtered = [], skipped = [];
        var index = 0;
        foreach (var node in records)
        {
            index++;
            var record = JsonSerializer.SerializeToElement(node);
            if (!Passes(record)) filtered.Add(node);
            else if (Map(record, index) is { } user) users.Add(user);
            else skipped.Add(node);
        }
        return (users, filtered, skipped);
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private bool Passes(JsonElement record)
    {
        foreach (var (path, filter) in _filters)
        {
            var equal = Same(Get(record, path), filter.Value);
            if (filter.Operator == FilterOperator.Equals ? !equal : equal) return false;
        }
        return true;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private CollectedUser? Map(JsonElement record, int index)
    {
        var id = Text(record, _id);
        if (string.IsNullOrEmpty(id)) return null;
        var department = Text(record, _department);
        return new CollectedUser
        {
            VendorId = Within(id, _id, index, "a user id"),
            Email = Text(record, _email),
            Name = Text(record, _name),
            Department = department is null ? null : Within(department, _department!, index, "a department"),
            Status = Text(record, _status),
            CreatedAt = Time(record, _created),
            LastActivityAt = Time(record, _lastActivity),
            Application = _application,
        };
    }

    /// <summary>
    /// The value of a field the store indexes (the id, the department), refused when longer than
    /// <see cref="CollectedUser.MaxIndexedLength"/>: PostgreSQL refused such a page at its write with its own words, and
    /// SQLite kept it. A value that long is a mapping pointed at the wrong field more often than a vendor's real value,
    /// so the import stops and says which record and field.
    /// </summary>
    private static string Within(string value, FieldPath path, int index, string what) =>
        value.Length <= CollectedUser.MaxIndexedLength
            ? value
            : throw new InvalidDataException($"record {index}: '{string.Join('.', path.Segments)}' is {value.Length:N0} characters long; " +
                                             $"{what} may be at most {CollectedUser.MaxIndexedLength}");

    /// <summary>The element at the path (a property name, or an index into a list); false when absent or JSON null.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static bool TryGet(JsonElement record, FieldPath? path, out JsonElement value)
    {
        value = record;
        if (path is null) return false;
        for (var s = 0; s < path.Segments.Length; s++)
        {
            if (value.ValueKind == JsonValueKind.Object)
            {
                if (!value.TryGetProperty(path.Utf8[s], out value)) return false;
            }
            else if (value.ValueKind == JsonValueKind.Array && int.TryParse(path.Segments[s], NumberStyles.None, CultureInfo.InvariantCulture, out var i))
            {
                if (i >= value.GetArrayLength()) return false;
                value = value[i];
            }
            else return false;
        }
        return value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined);
    }

    private static JsonNode? Get(JsonElement record, FieldPath? path) => TryGet(record, path, out var value) ? AsNode(value) : null;

    private static JsonNode AsNode(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => JsonObject.Create(value)!,
        JsonValueKind.Array => JsonArray.Create(value)!,
        _ => JsonValue.Create(value)!,
    };

    // Strings, nearly every mapped value, are read without making a node; anything else converts as a node does.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static string? Text(JsonElement record, FieldPath? path)
    {
        if (!TryGet(record, path, out var value)) return null;
        if (value.ValueKind == JsonValueKind.String)
        {
            var text = value.GetString()!;
            return text.Length == 0 ? null : text;
        }
        return Text(AsNode(value));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private static DateTimeOffset? Time(JsonElement record, FieldPath? path)
    {
        if (!TryGet(record, path, out var value)) return null;
        return value.ValueKind switch
        {
            JsonValueKind.String => ParseTimeText(value.GetString()!),
            JsonValueKind.Number when value.TryGetDouble(out var n) => FromEpoch(n),
            _ => Time(AsNode(value)),
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
        return ParseTimeText(JsonValues.ToText(value));
    }

    private static DateTimeOffset? ParseTimeText(string value)
    {
        var text = value.Trim();
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

    private static DateTimeOffset? Time(JsonNode? value)
    {
        return ParseTime(value is JsonObject obj && obj["display_value"] is { } display ? display : value);
    }
}
