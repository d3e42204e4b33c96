using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Import.Postman;

/// <summary>A collection that cannot be imported at all: the message names what and where.</summary>
public sealed class PostmanImportException(string path, string message) : Exception($"{path}: {message}")
{
    /// <summary>Where in the collection, e.g. <c>$.info.schema</c> or <c>item[2].request</c>.</summary>
    public string Path { get; } = path;
    public string Reason { get; } = message;
}

/// <summary>A key/value entry (variable, header, query parameter, form field) with its position in the collection.</summary>
internal sealed record PostmanEntry(string Key, string? Value, bool Disabled, string Type, string Path);

/// <summary>An <c>auth</c> block: its type and parameters (v2.0 objects and v2.1 key/value lists both read).</summary>
internal sealed record PostmanAuth(string Type, IReadOnlyDictionary<string, string> Values, string Path);

internal sealed record PostmanUrl(string? Protocol, string Host, string? Port, IReadOnlyList<string> Path, IReadOnlyList<PostmanEntry> Query, IReadOnlyList<PostmanEntry> PathVariables);

internal sealed record PostmanBody(string Mode, string? Raw, string? Language, IReadOnlyList<PostmanEntry> Fields, string Path);

internal sealed record PostmanResponse(string Name, int Code, IReadOnlyList<PostmanEntry> Headers, string? Body, string Path);

internal sealed record PostmanRequest(string Method, PostmanUrl Url, IReadOnlyList<PostmanEntry> Headers, PostmanBody? Body, PostmanAuth? Auth, string Path);

/// <summary>A folder (with items) or a request (with request) of the collection tree.</summary>
internal sealed class PostmanItem
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string Path { get; init; }
    public List<PostmanEntry> Variables { get; init; } = [];
    public PostmanAuth? Auth { get; init; }
    public List<PostmanItem> Items { get; init; } = [];
    public PostmanRequest? Request { get; init; }
    public List<PostmanResponse> Responses { get; init; } = [];
    /// <summary>Paths of pre-request and test scripts found on this item.</summary>
    public List<(string Listen, string Path)> Scripts { get; init; } = [];
    public bool IsFolder => Request is null;
}

/// <summary>A Postman Collection v2.0 or v2.1 read into a tree; v1 and anything else is refused with the reason.</summary>
internal sealed class PostmanCollection
{
    public required string Name { get; init; }
    public string? Description { get; init; }
    public required string SchemaVersion { get; init; }
    public required PostmanItem Root { get; init; }

    public static PostmanCollection Parse(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PostmanImportException("$", $"not valid JSON (line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1})");
        }
        if (node is not JsonObject root)
            throw new PostmanImportException("$", "not a Postman collection: the file must hold a JSON object with 'info' and 'item'");
        if (root["requests"] is JsonArray || root["order"] is JsonArray || root["folders"] is JsonArray)
            throw new PostmanImportException("$", "this is a Postman Collection v1, which is not supported: export it again from Postman as Collection v2.1");
        if (root["info"] is not JsonObject info)
            throw new PostmanImportException("$.info", "not a Postman collection: missing 'info' (name and schema)");
        var schema = Text(info["schema"]) ?? "";
        string version;
        if (schema.Contains("/v2.1", StringComparison.Ordinal)) version = "2.1";
        else if (schema.Contains("/v2.0", StringComparison.Ordinal)) version = "2.0";
        else if (schema.Contains("/v1", StringComparison.Ordinal))
            throw new PostmanImportException("$.info.schema", "Postman Collection v1 is not supported: export it again from Postman as Collection v2.1");
        else
            throw new PostmanImportException("$.info.schema", $"unknown collection schema '{schema}'; expected Postman Collection v2.1 (…/collection/v2.1.0/collection.json) or v2.0");
        if (root["item"] is not JsonArray)
            throw new PostmanImportException("$.item", "not a Postman collection: missing 'item' (the list of requests and folders)");
        var name = Text(info["name"]);
        if (string.IsNullOrWhiteSpace(name)) throw new PostmanImportException("$.info.name", "the collection has no name");
        var tree = ReadItem(root, "", isRoot: true);
        return new PostmanCollection { Name = name.Trim(), Description = DescriptionOf(info["description"]), SchemaVersion = version, Root = tree };
    }

    private static PostmanItem ReadItem(JsonObject item, string path, bool isRoot)
    {
        string P(string field) => path.Length == 0 ? field : $"{path}.{field}";
        var scripts = new List<(string, string)>();
        if (item["event"] is JsonArray events)
            for (var i = 0; i < events.Count; i++)
                if (events[i] is JsonObject e && Text(e["listen"]) is { } listen && HasScript(e["script"]))
                    scripts.Add((listen, P($"event[{i}]")));
        var variables = Entries(item["variable"], P("variable"));
        var auth = Auth(item["auth"], P("auth"));
        var name = Text(item["name"]) ?? "";
        if (isRoot || item["item"] is JsonArray)
        {
            var children = new List<PostmanItem>();
            if (item["item"] is JsonArray list)
                for (var i = 0; i < list.Count; i++)
                {
                    if (list[i] is not JsonObject child)
                        throw new PostmanImportException(P($"item[{i}]"), "an item must be an object (a request or a folder)");
                    children.Add(ReadItem(child, P($"item[{i}]"), isRoot: false));
                }
            else if (!isRoot)
                throw new PostmanImportException(P("item"), "a folder's 'item' must be a list");
            return new PostmanItem { Name = name, Description = DescriptionOf(item["description"]), Path = path, Variables = variables, Auth = auth, Items = children, Scripts = scripts };
        }
        if (item["request"] is null)
            throw new PostmanImportException(path, "an item must have 'request' (a request) or 'item' (a folder)");
        if (string.IsNullOrWhiteSpace(name))
            throw new PostmanImportException(P("name"), "a request has no name");
        var request = ReadRequest(item["request"]!, P("request"));
        var responses = new List<PostmanResponse>();
        if (item["response"] is JsonArray saved)
            for (var i = 0; i < saved.Count; i++)
                if (saved[i] is JsonObject r)
                    responses.Add(new PostmanResponse(Text(r["name"]) ?? $"example {i + 1}", r["code"] is JsonValue code && code.TryGetValue(out int c) ? c : 200,
                        Entries(r["header"], P($"response[{i}].header")), Text(r["body"]), P($"response[{i}]")));
        var description = DescriptionOf(item["description"]) ?? (item["request"] is JsonObject ro ? DescriptionOf(ro["description"]) : null);
        return new PostmanItem
        {
            Name = name.Trim(), Description = description, Path = path, Variables = variables, Request = request, Responses = responses, Scripts = scripts,
        };
    }

    private static PostmanRequest ReadRequest(JsonNode node, string path)
    {
        if (node is JsonValue v && v.TryGetValue(out string? urlOnly))
            return new PostmanRequest("GET", ParseRawUrl(urlOnly), [], null, null, path);
        if (node is not JsonObject request)
            throw new PostmanImportException(path, "a request must be an object or a URL string");
        var method = (Text(request["method"]) ?? "GET").Trim().ToUpperInvariant();
        var url = ReadUrl(request["url"], path + ".url");
        var headers = request["header"] is JsonValue hv && hv.TryGetValue(out string? headerText)
            ? HeaderLines(headerText, path + ".header")
            : Entries(request["header"], path + ".header");
        PostmanBody? body = null;
        if (request["body"] is JsonObject b && !(b["disabled"] is JsonValue d && d.TryGetValue(out bool off) && off))
        {
            var mode = Text(b["mode"]);
            if (mode is not null)
            {
                var language = b["options"]?["raw"]?["language"] is JsonValue lang && lang.TryGetValue(out string? l) ? l : null;
                var fields = mode switch
                {
                    "urlencoded" => Entries(b["urlencoded"], path + ".body.urlencoded"),
                    "formdata" => Entries(b["formdata"], path + ".body.formdata"),
                    _ => [],
                };
                body = new PostmanBody(mode, Text(b["raw"]), language, fields, path + ".body");
            }
        }
        return new PostmanRequest(method, url, headers, body, Auth(request["auth"], path + ".auth"), path);
    }

    private static PostmanUrl ReadUrl(JsonNode? node, string path)
    {
        if (node is null) throw new PostmanImportException(path, "the request has no URL");
        if (node is JsonValue v && v.TryGetValue(out string? raw)) return ParseRawUrl(raw);
        if (node is not JsonObject url) throw new PostmanImportException(path, "the URL must be a string or an object");
        // Postman's runner builds the URL from the parts when they are present, else from raw.
        if (url["host"] is null && url["path"] is null)
        {
            var parsed = ParseRawUrl(Text(url["raw"]) ?? throw new PostmanImportException(path, "the URL has neither 'raw' nor 'host'/'path'"));
            return parsed with
            {
                Query = url["query"] is JsonArray ? Entries(url["query"], path + ".query") : parsed.Query,
                PathVariables = Entries(url["variable"], path + ".variable"),
            };
        }
        var host = url["host"] switch
        {
            JsonArray parts => string.Join('.', parts.Select(p => Text(p) ?? "")),
            var h => Text(h) ?? "",
        };
        var pathParts = url["path"] switch
        {
            JsonArray parts => parts.Select(p => p is JsonObject seg ? Text(seg["value"]) ?? "" : Text(p) ?? "").ToList(),
            JsonValue p when p.TryGetValue(out string? s) => s.Split('/').Where(x => x.Length > 0).ToList(),
            _ => [],
        };
        var port = url["port"] is JsonValue pv ? pv.ToString() : null;
        return new PostmanUrl(Text(url["protocol"]), host, port, pathParts, Entries(url["query"], path + ".query"), Entries(url["variable"], path + ".variable"));
    }

    /// <summary>Splits a raw URL the way Postman does: protocol, host (up to the first '/'), path, query.</summary>
    internal static PostmanUrl ParseRawUrl(string raw)
    {
        var rest = raw.Trim();
        var hash = rest.IndexOf('#');
        if (hash >= 0) rest = rest[..hash];
        string? protocol = null;
        var scheme = rest.IndexOf("://", StringComparison.Ordinal);
        if (scheme > 0 && !rest[..scheme].Contains('{'))
        {
            protocol = rest[..scheme];
            rest = rest[(scheme + 3)..];
        }
        var queryText = "";
        var q = rest.IndexOf('?');
        if (q >= 0)
        {
            queryText = rest[(q + 1)..];
            rest = rest[..q];
        }
        var slash = IndexOutsideBraces(rest, '/');
        var hostAndPort = slash < 0 ? rest : rest[..slash];
        var pathText = slash < 0 ? "" : rest[(slash + 1)..];
        string? port = null;
        var colon = IndexOutsideBraces(hostAndPort, ':');
        if (colon >= 0)
        {
            port = hostAndPort[(colon + 1)..];
            hostAndPort = hostAndPort[..colon];
        }
        var query = new List<PostmanEntry>();
        if (queryText.Length > 0)
            foreach (var pair in queryText.Split('&'))
            {
                var eq = pair.IndexOf('=');
                query.Add(eq < 0 ? new PostmanEntry(pair, null, false, "text", "url.query") : new PostmanEntry(pair[..eq], pair[(eq + 1)..], false, "text", "url.query"));
            }
        return new PostmanUrl(protocol, hostAndPort, port, pathText.Length == 0 ? [] : pathText.Split('/').ToList(), query, []);
    }

    private static int IndexOutsideBraces(string text, char c)
    {
        var depth = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (i + 1 < text.Length && text[i] == '{' && text[i + 1] == '{') { depth++; i++; continue; }
            if (i + 1 < text.Length && text[i] == '}' && text[i + 1] == '}') { depth = Math.Max(0, depth - 1); i++; continue; }
            if (depth == 0 && text[i] == c) return i;
        }
        return -1;
    }

    private static List<PostmanEntry> HeaderLines(string text, string path) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && l.Contains(':'))
            .Select(l => new PostmanEntry(l[..l.IndexOf(':')].Trim(), l[(l.IndexOf(':') + 1)..].Trim(), l.StartsWith("//", StringComparison.Ordinal), "text", path))
            .ToList();

    private static List<PostmanEntry> Entries(JsonNode? node, string path)
    {
        var result = new List<PostmanEntry>();
        if (node is not JsonArray list) return result;
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject e) continue;
            var key = Text(e["key"]) ?? Text(e["id"]) ?? Text(e["name"]);
            if (key is null) continue;
            var value = e["value"] switch
            {
                null => null,
                JsonValue s when s.TryGetValue(out string? text) => text,
                var other => other.ToJsonString(),
            };
            var disabled = e["disabled"] is JsonValue d && d.TryGetValue(out bool off) && off;
            result.Add(new PostmanEntry(key, value, disabled, Text(e["type"]) ?? "text", $"{path}[{i}]"));
        }
        return result;
    }

    private static PostmanAuth? Auth(JsonNode? node, string path)
    {
        if (node is not JsonObject auth) return null;
        var type = Text(auth["type"]) ?? "noauth";
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        switch (auth[type])
        {
            case JsonArray list: // v2.1: [{ key, value, type }]
                foreach (var entry in list.OfType<JsonObject>())
                    if (Text(entry["key"]) is { } key)
                        values[key] = entry["value"] is JsonValue v && v.TryGetValue(out string? s) ? s : entry["value"]?.ToJsonString() ?? "";
                break;
            case JsonObject map: // v2.0: { username: …, password: … }
                foreach (var (key, value) in map)
                    values[key] = value is JsonValue v && v.TryGetValue(out string? s) ? s : value?.ToJsonString() ?? "";
                break;
        }
        return new PostmanAuth(type, values, path);
    }

    private static bool HasScript(JsonNode? script) => script is JsonObject s && s["exec"] switch
    {
        JsonArray lines => lines.Any(l => !string.IsNullOrWhiteSpace(Text(l))),
        JsonValue line => !string.IsNullOrWhiteSpace(Text(line)),
        _ => false,
    };

    internal static string? DescriptionOf(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue(out string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim(),
        JsonObject o => DescriptionOf(o["content"]),
        _ => null,
    };

    internal static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? s) ? s : null;
}
