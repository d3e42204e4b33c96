using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FlowConnectors.Import.OpenApi;

/// <summary>
/// How an imported list operation pages, when the description shows it well enough for <c>Http.Paginate</c> to walk
/// every page: the strategy (<c>cursor</c>, <c>linkHeader</c>, <c>pageNumber</c>, <c>offsetLimit</c>, <c>lastItemId</c>), the
/// parameters Paginate sends (taken out of the card's inputs), where the records are and, for a cursor, where the next one is;
/// for Stripe's paging (<c>lastItemId</c>) where a record's id and the <c>has_more</c> flag are.
/// </summary>
internal sealed record PagingPlan(string Strategy, IReadOnlySet<string> Parameters, string ItemsPath, string? CursorParameter, string? CursorPath,
    string? PageParameter, string? SizeParameter, int Size, string? ItemIdPath = null, string? HasMorePath = null)
{
    private static readonly string[] HasMoreFields = ["has_more", "hasMore"];
    private static readonly string[] CursorNames = ["cursor", "page_token", "pageToken", "next_cursor", "continuation", "after"];
    private static readonly string[] NextCursorFields = ["next_cursor", "nextCursor", "next_page_token", "nextPageToken", "cursor", "next"];
    private static readonly string[] SizeNames = ["per_page", "perPage", "page_size", "pageSize", "limit"];
    /// <summary>Page size asked for when the description gives no maximum or default.</summary>
    private const int DefaultSize = 100;

    /// <summary>
    /// The plan, or null with <paramref name="note"/> saying why paging the description shows is not walked
    /// (the card then returns one page, as the API sends it).
    /// </summary>
    public static PagingPlan? Detect(IEnumerable<IOpenApiParameter> parameters, OpenApiOperation operation, string method, string? authChoice, out string? note)
    {
        note = null;
        var query = parameters.Where(p => p.In == ParameterLocation.Query && p.Name is not null).ToDictionary(p => p.Name!, StringComparer.OrdinalIgnoreCase);
        var success = operation.Responses?.Where(r => r.Key.StartsWith('2')).OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => r.Value).FirstOrDefault();
        var schema = success?.Content?.FirstOrDefault(c => c.Key.Contains("json", StringComparison.OrdinalIgnoreCase)).Value?.Schema;
        var cursor = CursorNames.FirstOrDefault(query.ContainsKey);
        var link = success?.Headers?.Keys.Contains("Link", StringComparer.OrdinalIgnoreCase) == true;
        var page = query.ContainsKey("page") ? "page" : null;
        var offset = query.ContainsKey("offset") ? "offset" : null;
        var starting = query.ContainsKey("starting_after");
        var ending = query.ContainsKey("ending_before");
        if (cursor is null && !link && page is null && offset is null && !starting && !ending) return null;
        if (method != "GET") return Refuse(out note, "pages through POST; the card returns one page");
        // Paginate sends the connection's primary auth only.
        if (authChoice is not null) return Refuse(out note, $"is paged but sends the '{authChoice}' auth; the card returns one page");
        var itemsPath = ItemsPathOf(schema);
        if (itemsPath is null) return Refuse(out note, "is paged but its 2xx response shows no list of records; the card returns one page");
        var sizeName = SizeNames.FirstOrDefault(query.ContainsKey);
        var size = sizeName is null ? DefaultSize : SizeOf(query[sizeName].Schema);
        var sizeParameter = sizeName is null ? null : query[sizeName].Name;
        if (cursor is not null)
        {
            var cursorPath = NextCursorPath(schema);
            if (cursorPath is null) return Refuse(out note, $"is paged by '{query[cursor].Name}' but its response shows no next cursor; the card returns one page");
            return new PagingPlan("cursor", Names(query[cursor].Name, sizeParameter), itemsPath, query[cursor].Name, cursorPath, null, sizeParameter, size);
        }
        if (link) return new PagingPlan("linkHeader", Names(page is null ? null : query[page].Name, sizeParameter), itemsPath, null, null, null, sizeParameter, size);
        if (page is not null) return new PagingPlan("pageNumber", Names(query[page].Name, sizeParameter), itemsPath, null, null, query[page].Name, sizeParameter, size);
        if (offset is not null) return new PagingPlan("offsetLimit", Names(query[offset].Name, sizeParameter), itemsPath, null, null, query[offset].Name, sizeParameter, size);
        // Stripe's paging: starting_after takes the last record's id, has_more says whether to go on. ending_before walks
        // backwards from the first record; Paginate walks forwards, so it leaves the inputs too (Stripe refuses both at once).
        if (!starting) return Refuse(out note, $"is paged only backwards, by '{query["ending_before"].Name}'; the card returns one page");
        var hasMore = HasMoreFields.FirstOrDefault(f => schema?.Properties?.TryGetValue(f, out var p) == true && p.Type?.HasFlag(JsonSchemaType.Boolean) == true);
        if (hasMore is null)
            return Refuse(out note, $"is paged by '{query["starting_after"].Name}' (the last record's id) but its response shows no boolean 'has_more'; the card returns one page");
        var records = RecordSchema(schema, itemsPath);
        if (records?.Properties is { Count: > 0 } fields && !fields.ContainsKey("id"))
            return Refuse(out note, $"is paged by '{query["starting_after"].Name}' (the last record's id) but its records show no 'id'; the card returns one page");
        return new PagingPlan("lastItemId", Names(query["starting_after"].Name, ending ? query["ending_before"].Name : null, sizeParameter), itemsPath,
            query["starting_after"].Name, null, null, sizeParameter, size, "id", hasMore);

        static PagingPlan? Refuse(out string? note, string why)
        {
            note = "the operation " + why;
            return null;
        }
    }

    /// <summary>The schema of one record at <paramref name="itemsPath"/>.</summary>
    private static IOpenApiSchema? RecordSchema(IOpenApiSchema? schema, string itemsPath)
    {
        if (itemsPath.Length == 0) return schema?.Items;
        return schema?.Properties is { } properties && properties.TryGetValue(itemsPath, out var list) ? list.Items : null;
    }

    private static HashSet<string> Names(params string?[] names) => names.Where(n => n is not null).Select(n => n!).ToHashSet(StringComparer.Ordinal);

    /// <summary>Where the records are: the body itself when it is a list, else its first list property.</summary>
    private static string? ItemsPathOf(IOpenApiSchema? schema)
    {
        if (schema is null) return null;
        if (schema.Type?.HasFlag(JsonSchemaType.Array) == true) return "";
        return schema.Properties?.FirstOrDefault(p => p.Value.Type?.HasFlag(JsonSchemaType.Array) == true).Key;
    }

    /// <summary>Where the next cursor is in the body: a property of the body or of one of its objects (Slack's response_metadata.next_cursor).</summary>
    private static string? NextCursorPath(IOpenApiSchema? schema)
    {
        if (schema?.Properties is not { } properties) return null;
        if (NextCursorFields.FirstOrDefault(properties.ContainsKey) is { } direct) return direct;
        foreach (var (name, property) in properties)
            if (property.Properties is { } inner && NextCursorFields.FirstOrDefault(inner.ContainsKey) is { } nested)
                return $"{name}.{nested}";
        return null;
    }

    private static int SizeOf(IOpenApiSchema? schema)
    {
        if (schema?.Maximum is { } max && decimal.TryParse(max, System.Globalization.CultureInfo.InvariantCulture, out var m) && m is >= 1 and <= 1000) return (int)m;
        if (schema?.Default is JsonValue d && d.GetValueKind() == System.Text.Json.JsonValueKind.Number &&
            int.TryParse(d.ToJsonString(), System.Globalization.CultureInfo.InvariantCulture, out var value) && value is >= 1 and <= 1000) return value;
        return DefaultSize;
    }

    /// <summary>What the card's description says about it.</summary>
    public string Describe() => Strategy switch
    {
        "cursor" => $"cursor, parameter '{CursorParameter}', next cursor at '{CursorPath}'; every page is fetched",
        "linkHeader" => "Link header, rel=\"next\"; every page is fetched",
        "lastItemId" => $"the last record's '{ItemIdPath}' as '{CursorParameter}' while '{HasMorePath}' is true; every page is fetched",
        "pageNumber" => $"page number, parameter '{PageParameter}'{(SizeParameter is null ? "" : $" and '{SizeParameter}'")}; every page is fetched",
        _ => $"offset, parameter '{PageParameter}'{(SizeParameter is null ? "" : $" and '{SizeParameter}'")}; every page is fetched",
    };

    /// <summary>The Http.Paginate inputs of this plan.</summary>
    public IEnumerable<(string Name, JsonNode? Value)> Inputs()
    {
        yield return ("strategy", Strategy);
        yield return ("itemsPath", ItemsPath);
        yield return ("limit", Size);
        switch (Strategy)
        {
            case "cursor":
                yield return ("cursorParameter", CursorParameter);
                yield return ("cursorPath", CursorPath);
                yield return ("limitParameter", SizeParameter ?? "");
                break;
            case "lastItemId":
                yield return ("cursorParameter", CursorParameter);
                yield return ("itemIdPath", ItemIdPath);
                yield return ("hasMorePath", HasMorePath);
                yield return ("limitParameter", SizeParameter ?? "");
                break;
            case "pageNumber":
                yield return ("pageParameter", PageParameter);
                yield return ("pageSizeParameter", SizeParameter ?? "");
                break;
            case "offsetLimit":
                yield return ("offsetParameter", PageParameter);
                yield return ("limitParameter", SizeParameter ?? "");
                break;
        }
    }

    /// <summary>The paging parameters of the first page, as the fixture stub receives them (strings).</summary>
    public IEnumerable<(string Name, string Value)> FirstPageQuery()
    {
        switch (Strategy)
        {
            case "pageNumber":
                yield return (PageParameter!, "1");
                break;
            case "offsetLimit":
                yield return (PageParameter!, "0");
                break;
        }
        if (SizeParameter is not null) yield return (SizeParameter, Size.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// The paging parameters of the page after <paramref name="body"/> (which held <paramref name="count"/> records),
    /// or null when Paginate stops there (an empty cursor, no next link).
    /// </summary>
    public IEnumerable<(string Name, string Value)>? NextPageQuery(JsonNode body, int count)
    {
        if (count == 0) return null;
        var size = SizeParameter is null ? [] : new[] { (SizeParameter, Size.ToString(System.Globalization.CultureInfo.InvariantCulture)) };
        switch (Strategy)
        {
            case "cursor":
                var next = At(body, CursorPath!) is JsonValue v && v.TryGetValue(out string? text) ? text : null;
                return string.IsNullOrEmpty(next) ? null : size.Append((CursorParameter!, next));
            case "lastItemId":
                var last = Items(body) is [.., var record] && At(record, ItemIdPath!) is JsonValue id && id.TryGetValue(out string? lastId) ? lastId : null;
                return At(body, HasMorePath!) is JsonValue more && more.TryGetValue(out bool hasMore) && hasMore && last is not null
                    ? size.Append((CursorParameter!, last))
                    : null;
            case "pageNumber":
                return new[] { (PageParameter!, "2") }.Concat(size);
            case "offsetLimit":
                return new[] { (PageParameter!, count.ToString(System.Globalization.CultureInfo.InvariantCulture)) }.Concat(size);
            default:
                return null;
        }
    }

    /// <summary>The records of a page.</summary>
    public JsonArray? Items(JsonNode? body) => (ItemsPath.Length == 0 ? body : At(body, ItemsPath)) as JsonArray;

    /// <summary>A page like <paramref name="body"/> with no records, no next cursor and no more to come: where the list ends.</summary>
    public JsonNode EndOfList(JsonNode body)
    {
        if (ItemsPath.Length == 0) return new JsonArray();
        var end = body.DeepClone();
        if (end is JsonObject o) o[ItemsPath] = new JsonArray();
        if (CursorPath is not null && At(end, CursorPath[..Math.Max(0, CursorPath.LastIndexOf('.'))]) is JsonObject holder) holder[CursorPath[(CursorPath.LastIndexOf('.') + 1)..]] = "";
        else if (CursorPath is not null && end is JsonObject top && !CursorPath.Contains('.')) top[CursorPath] = "";
        if (HasMorePath is not null && end is JsonObject list) list[HasMorePath] = false;
        return end;
    }

    private static JsonNode? At(JsonNode? node, string path)
    {
        if (path.Length == 0) return node;
        foreach (var part in path.Split('.')) node = node is JsonObject o ? o[part] : null;
        return node;
    }
}
