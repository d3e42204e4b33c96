using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using Microsoft.OpenApi;

namespace FlowConnectors.Import;

/// <summary>
/// How an imported list operation (OpenAPI) or request (Postman) pages, when the description or the saved example shows it well enough for <c>Http.Paginate</c> to walk
/// every page: the strategy (<c>cursor</c>, <c>linkHeader</c>, <c>pageNumber</c>, <c>offsetLimit</c>, <c>lastItemId</c>), the
/// parameters Paginate sends (taken out of the card's inputs), where the records are and, for a cursor, where the next one is;
/// for Stripe's paging (<c>lastItemId</c>) where a record's id and the <c>has_more</c> flag are.
/// </summary>
internal sealed record PagingPlan(string Strategy, IReadOnlySet<string> Parameters, string ItemsPath, string? CursorParameter, string? CursorPath,
    string? PageParameter, string? SizeParameter, int Size, string? ItemIdPath = null, string? HasMorePath = null, int FirstPage = 1)
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

    /// <summary>
    /// The plan of a Postman request, from its query parameters and its first saved example response (the JSON body shows
    /// where the records and the next cursor or has_more are; a Link header with rel="next" shows Link paging). Null, with
    /// <paramref name="note"/> saying why, when the request pages but the collection does not show enough to walk it.
    /// </summary>
    public static PagingPlan? FromExample(IReadOnlyList<(string Key, string? Value)> query, string method, string? authChoice, JsonNode? example,
        string? link, out string? note)
    {
        note = null;
        var names = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in query) names.TryAdd(key, value);
        var cursor = CursorNames.FirstOrDefault(names.ContainsKey);
        var hasNext = link is not null && System.Text.RegularExpressions.Regex.IsMatch(link, @"rel\s*=\s*""?next""?", System.Text.RegularExpressions.RegexOptions.IgnoreCase);
        var page = names.ContainsKey("page") ? "page" : null;
        var offset = names.ContainsKey("offset") ? "offset" : null;
        var starting = names.ContainsKey("starting_after");
        var by = cursor ?? (starting ? "starting_after" : page ?? offset);
        if (by is null && !hasNext) return null;
        var what = hasNext ? "the Link header of its saved example" : $"'{Exact(by!)}'";
        if (method != "GET") return Refuse(out note, $"pages by {what} through {method}; the action sends one request");
        if (authChoice is not null) return Refuse(out note, $"pages by {what} but sends the '{authChoice}' auth; the action sends one request");
        var itemsPath = example switch
        {
            JsonArray => "",
            JsonObject o => o.FirstOrDefault(p => p.Value is JsonArray).Key,
            _ => null,
        };
        if (itemsPath is null)
            return Refuse(out note, example is null
                ? $"pages by {what} but has no saved example response with a JSON body to show where the records are; the action sends one request (save an example in Postman to import it as paged)"
                : $"pages by {what} but its saved example's body holds no list of records; the action sends one request");
        var sizeName = SizeNames.FirstOrDefault(names.ContainsKey);
        var size = sizeName is not null && int.TryParse(names[sizeName], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) && s is >= 1 and <= 1000 ? s : DefaultSize;
        var sizeParameter = sizeName is null ? null : Exact(sizeName);
        if (hasNext)
            // The next links carry every parameter: the request's own query is the first page's, as Postman sends it.
            return new PagingPlan("linkHeader", Names(), itemsPath, null, null, null, null, size);
        if (cursor is not null)
        {
            var cursorPath = NextCursorPath(example);
            if (cursorPath is null) return Refuse(out note, $"pages by {what} but its saved example shows no next cursor; the action sends one request");
            return new PagingPlan("cursor", Names(Exact(cursor), sizeParameter), itemsPath, Exact(cursor), cursorPath, null, sizeParameter, size);
        }
        if (starting)
        {
            var hasMore = HasMoreFields.FirstOrDefault(f => example is JsonObject o && o[f] is JsonValue v && v.GetValueKind() is System.Text.Json.JsonValueKind.True or System.Text.Json.JsonValueKind.False);
            if (hasMore is null) return Refuse(out note, $"pages by {what} (the last record's id) but its saved example has no boolean 'has_more'; the action sends one request");
            var records = (itemsPath.Length == 0 ? example : example![itemsPath]) as JsonArray;
            if (records is [JsonObject first, ..] && !first.ContainsKey("id"))
                return Refuse(out note, $"pages by {what} (the last record's id) but its saved example's records have no 'id'; the action sends one request");
            var ending = names.ContainsKey("ending_before") ? Exact("ending_before") : null;
            return new PagingPlan("lastItemId", Names(Exact("starting_after"), ending, sizeParameter), itemsPath, Exact("starting_after"), null, null, sizeParameter, size, "id", hasMore);
        }
        if (page is not null)
        {
            // Paginate numbers the pages itself, from the first: a collection that asks for page 0 counts from 0.
            var firstPage = names[page] == "0" ? 0 : 1;
            return new PagingPlan("pageNumber", Names(Exact(page), sizeParameter), itemsPath, null, null, Exact(page), sizeParameter, size, FirstPage: firstPage);
        }
        return new PagingPlan("offsetLimit", Names(Exact(offset!), sizeParameter), itemsPath, null, null, Exact(offset!), sizeParameter, size);

        string Exact(string name) => query.First(q => string.Equals(q.Key, name, StringComparison.OrdinalIgnoreCase)).Key;

        static PagingPlan? Refuse(out string? note, string why)
        {
            note = "the request " + why;
            return null;
        }
    }

    /// <summary>Where the next cursor is in an example body: a field of the body or of one of its objects.</summary>
    private static string? NextCursorPath(JsonNode? example)
    {
        if (example is not JsonObject body) return null;
        if (NextCursorFields.FirstOrDefault(body.ContainsKey) is { } direct) return direct;
        foreach (var (name, value) in body)
            if (value is JsonObject inner && NextCursorFields.FirstOrDefault(inner.ContainsKey) is { } nested)
                return $"{name}.{nested}";
        return null;
    }

    /// <summary>
    /// Turns a single-call action into one that walks every page: an <c>Http.Paginate</c> node (mode collect, through the
    /// connection) in place of the call, a <c>maxItems</c> input, and the outputs <c>items</c>, <c>pages</c>, <c>truncated</c>.
    /// <paramref name="query"/> are the request's other query parameters as JavaScript <c>key: value</c> entries.
    /// </summary>
    public FlowNode ApplyTo(FlowDefinition flow, List<FlowParameter> outputs, string method, string display, JsonNode? url, IEnumerable<string> query,
        JsonNode? headers, string maxItemsInput)
    {
        var pageInputs = new JsonObject
        {
            ["method"] = method,
            ["url"] = url?.DeepClone(),
            ["useConnection"] = true,
            ["mode"] = "collect",
            ["maxItems"] = new JsonObject { ["js"] = $"input.{maxItemsInput}" },
        };
        var pageQuery = query.ToList();
        // Link paging sends the page size itself on the first page; the next links carry it on.
        if (Strategy == "linkHeader" && SizeParameter is { } linkSize) pageQuery.Add($"{Postman.PostmanTemplate.Literal(linkSize)}: {Size}");
        if (pageQuery.Count > 0) pageInputs["query"] = new JsonObject { ["js"] = "({ " + string.Join(", ", pageQuery) + " })" };
        if (headers is not null) pageInputs["headers"] = headers.DeepClone();
        foreach (var (name, value) in Inputs()) pageInputs[name] = value;
        outputs.Clear();
        outputs.Add(new FlowParameter { Name = "items", Type = "array", Label = "Items", Description = $"Every record of every page ('{(ItemsPath.Length == 0 ? "the body" : ItemsPath)}' of each page), up to Max Items." });
        outputs.Add(new FlowParameter { Name = "pages", Type = "integer", Label = "Pages", Description = "Pages received." });
        outputs.Add(new FlowParameter { Name = "truncated", Type = "boolean", Label = "Truncated", Description = "True when Max Items cut the records short." });
        flow.Nodes.Clear();
        var paginate = new FlowNode { Id = "pages", Type = "Http.Paginate", Name = $"{method} {display} (all pages)", Inputs = new(StringComparer.Ordinal) };
        foreach (var (name, value) in pageInputs) paginate.Inputs[name] = value?.DeepClone();
        flow.Nodes.Add(paginate);
        flow.Nodes.Add(new FlowNode
        {
            Id = "done", Type = "Return", Name = "Return records",
            Inputs = new(StringComparer.Ordinal)
            {
                ["outputs"] = new JsonObject
                {
                    ["items"] = new JsonObject { ["js"] = "nodes.pages.items" },
                    ["pages"] = new JsonObject { ["js"] = "nodes.pages.pages" },
                    ["truncated"] = new JsonObject { ["js"] = "nodes.pages.truncated" },
                },
            },
        });
        flow.Connections.Clear();
        flow.Connections.Add(new FlowConnection { FromNode = "pages", Outcome = "done", To = "done" });
        return paginate;
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
                if (FirstPage != 1) yield return ("firstPage", FirstPage);
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
                yield return (PageParameter!, FirstPage.ToString(System.Globalization.CultureInfo.InvariantCulture));
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
                return new[] { (PageParameter!, (FirstPage + 1).ToString(System.Globalization.CultureInfo.InvariantCulture)) }.Concat(size);
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
