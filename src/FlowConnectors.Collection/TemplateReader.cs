using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Collection;

public sealed class TemplateException(string source, IReadOnlyList<FormatProblem> problems)
    : Exception($"{source}: " + string.Join("; ", problems))
{
    public IReadOnlyList<FormatProblem> Problems { get; } = problems;
}

/// <summary>
/// Reads a template, reporting every problem at once with its JSON path: unknown fields, wrong
/// types, missing required fields, settings a pagination kind needs. Mirrors
/// <c>schemas/collection-template.schema.json</c>.
/// </summary>
public static partial class TemplateReader
{
    public const string Extension = ".template.json";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")] private static partial Regex ParameterName();

    internal static readonly string[] Fields =
        ["format", "name", "vendor", "description", "baseUrl", "auth", "parameters", "usersUrl", "query", "pagination", "recordsPath", "mapping", "filters", "activity", "responseCheck", "http"];
    internal static readonly string[] AuthFields = ["kind", "header", "tokenType", "tokenUrl", "scope", "credentials"];
    internal static readonly string[] ParameterFields = ["name", "label", "required", "default", "description"];
    internal static readonly string[] PaginationFields =
        ["kind", "offsetParameter", "limitParameter", "pageParameter", "pageSizeParameter", "firstPage", "cursorParameter", "cursorPath", "limit", "maxPages", "stopOnShortPage"];
    internal static readonly string[] MappingFields = ["id", "email", "name", "department", "status", "created"];
    internal static readonly string[] FilterFields = ["field", "operator", "value"];
    internal static readonly string[] ActivityFields = ["lastActivityField", "application"];
    internal static readonly string[] ResponseCheckFields = ["okField", "errorField"];

    private static readonly Dictionary<string, TemplatePaginationKind> PaginationKinds = new(StringComparer.Ordinal)
    {
        ["none"] = TemplatePaginationKind.None,
        ["offsetLimit"] = TemplatePaginationKind.OffsetLimit,
        ["pageNumber"] = TemplatePaginationKind.PageNumber,
        ["cursorLimit"] = TemplatePaginationKind.CursorLimit,
        ["linkHeader"] = TemplatePaginationKind.LinkHeader,
    };

    public static string WireName(TemplatePaginationKind kind) => PaginationKinds.First(k => k.Value == kind).Key;

    /// <summary>Reads a template file; throws <see cref="TemplateException"/> naming the file and every problem.</summary>
    public static CollectionTemplate ReadFile(string path)
    {
        var (template, problems) = Read(File.ReadAllText(path));
        return template ?? throw new TemplateException(Path.GetFileName(path), problems);
    }

    public static CollectionTemplate Parse(string text, string source = "template")
    {
        var (template, problems) = Read(text);
        return template ?? throw new TemplateException(source, problems);
    }

    public static (CollectionTemplate? Template, List<FormatProblem> Problems) Read(string text)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return (null, [FormatProblem.Error("TEMPLATE_MALFORMED", e.Path ?? "$", $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: malformed JSON")]);
        }
        return Read(node);
    }

    public static (CollectionTemplate? Template, List<FormatProblem> Problems) Read(JsonNode? node)
    {
        var problems = new List<FormatProblem>();
        var reader = new Reader(problems);
        if (node is not JsonObject root)
        {
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$", "a template must be a JSON object"));
            return (null, problems);
        }
        reader.Closed(root, "$", Fields, "a template");
        var format = reader.Int(root, "$", "format", required: true);
        if (format is not null and not CollectionTemplate.Format) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.format", $"format must be {CollectionTemplate.Format}, got {format}"));
        var name = reader.Text(root, "$", "name", required: true, nonEmpty: true);
        var vendor = reader.Text(root, "$", "vendor", required: true, nonEmpty: true);
        var description = reader.Text(root, "$", "description");
        var baseUrl = reader.Text(root, "$", "baseUrl", required: true, nonEmpty: true);
        if (baseUrl is not null && !ManifestReader.IsHttpUrl(ManifestReader.ConnectionPlaceholder().Replace(baseUrl, "x")))
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.baseUrl", $"baseUrl '{baseUrl}' must be an absolute http(s) URL"));
        var usersUrl = reader.Text(root, "$", "usersUrl", required: true, nonEmpty: true);
        if (usersUrl is not null && usersUrl.Contains("://", StringComparison.Ordinal))
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.usersUrl", $"usersUrl '{usersUrl}' must be relative to baseUrl, e.g. /users"));
        var query = reader.Object(root, "$", "query");
        var recordsPath = reader.Text(root, "$", "recordsPath") ?? "";
        var http = reader.Object(root, "$", "http");

        var parameters = new List<TemplateParameter>();
        if (reader.Array(root, "$", "parameters") is { } parameterArray)
            for (var i = 0; i < parameterArray.Count; i++)
            {
                var path = JsonPath.Index("$.parameters", i);
                if (parameterArray[i] is not JsonObject p) { problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", path, "a parameter must be an object")); continue; }
                reader.Closed(p, path, ParameterFields, "a parameter");
                var pName = reader.Text(p, path, "name", required: true, nonEmpty: true);
                if (pName is not null && !ParameterName().IsMatch(pName))
                    problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, "name"), $"parameter name '{pName}' must be letters, digits or '_', starting with a letter or '_'"));
                if (pName is "token" or "clientId" or "clientSecret")
                    problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, "name"), $"'{pName}' is reserved for the credentials"));
                var label = reader.Text(p, path, "label") ?? pName ?? "";
                if (pName is not null)
                    parameters.Add(new(pName, label, reader.Bool(p, path, "required") ?? true, reader.Text(p, path, "default"), reader.Text(p, path, "description")));
            }
        foreach (var duplicate in parameters.GroupBy(p => p.Name).Where(g => g.Count() > 1))
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.parameters", $"parameter '{duplicate.Key}' is declared more than once"));
        if (baseUrl is not null)
            foreach (Match m in ManifestReader.ConnectionPlaceholder().Matches(baseUrl))
                if (parameters.All(p => p.Name != m.Groups[1].Value))
                    problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.baseUrl", $"baseUrl uses {{{{connection.{m.Groups[1].Value}}}}} but no parameter '{m.Groups[1].Value}' is declared"));

        var auth = ReadAuth(reader, root, problems);
        var pagination = ReadPagination(reader, root, problems);

        // Credentials never in URLs: they would be stored and returned in plain text, while settings are encrypted.
        var hint = CredentialUrls.SettingsHint(auth?.Kind);
        if (baseUrl is not null && CredentialUrls.Problem(baseUrl, hint) is { } baseProblem) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.baseUrl", baseProblem));
        if (usersUrl is not null && CredentialUrls.Problem(usersUrl, hint) is { } usersProblem) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.usersUrl", usersProblem));
        if (auth?.TokenUrl is { } tokenUrl && CredentialUrls.Problem(tokenUrl, hint) is { } tokenProblem) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.auth.tokenUrl", tokenProblem));
        if (query is not null)
            foreach (var (queryName, _) in query)
                if (CredentialUrls.IsCredentialName(queryName)) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property("$.query", queryName), CredentialUrls.QueryProblem(queryName, hint)));

        UserMapping? mapping = null;
        if (reader.Object(root, "$", "mapping", required: true) is { } m2)
        {
            reader.Closed(m2, "$.mapping", MappingFields, "a mapping");
            var id = reader.Text(m2, "$.mapping", "id", required: true, nonEmpty: true);
            var mapped = new UserMapping
            {
                Id = id ?? "",
                Email = reader.Text(m2, "$.mapping", "email", nonEmpty: true),
                Name = reader.Text(m2, "$.mapping", "name", nonEmpty: true),
                Department = reader.Text(m2, "$.mapping", "department", nonEmpty: true),
                Status = reader.Text(m2, "$.mapping", "status", nonEmpty: true),
                Created = reader.Text(m2, "$.mapping", "created", nonEmpty: true),
            };
            if (id is not null) mapping = mapped;
        }

        var filters = new List<TemplateFilter>();
        if (reader.Array(root, "$", "filters") is { } filterArray)
            for (var i = 0; i < filterArray.Count; i++)
            {
                var path = JsonPath.Index("$.filters", i);
                if (filterArray[i] is not JsonObject f) { problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", path, "a filter must be an object")); continue; }
                reader.Closed(f, path, FilterFields, "a filter");
                var field = reader.Text(f, path, "field", required: true, nonEmpty: true);
                var op = reader.Text(f, path, "operator", required: true);
                FilterOperator? parsed = op switch { "equals" => FilterOperator.Equals, "notEquals" => FilterOperator.NotEquals, _ => null };
                if (op is not null && parsed is null) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, "operator"), $"operator must be equals or notEquals, got '{op}'"));
                if (!f.ContainsKey("value")) problems.Add(FormatProblem.Error("TEMPLATE_MISSING_FIELD", path, "missing field 'value'"));
                else if (f["value"] is JsonObject or JsonArray) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, "value"), "value must be a string, number, boolean or null"));
                if (field is not null && parsed is { } o) filters.Add(new(field, o, f["value"]?.DeepClone()));
            }

        TemplateActivity? activity = null;
        if (reader.Object(root, "$", "activity") is { } a)
        {
            reader.Closed(a, "$.activity", ActivityFields, "activity");
            activity = new(reader.Text(a, "$.activity", "lastActivityField", nonEmpty: true), reader.Text(a, "$.activity", "application", nonEmpty: true));
        }
        ResponseCheck? check = null;
        if (reader.Object(root, "$", "responseCheck") is { } c)
        {
            reader.Closed(c, "$.responseCheck", ResponseCheckFields, "responseCheck");
            var ok = reader.Text(c, "$.responseCheck", "okField", required: true, nonEmpty: true);
            if (ok is not null) check = new(ok, reader.Text(c, "$.responseCheck", "errorField", nonEmpty: true));
        }

        if (problems.Count > 0 || name is null || vendor is null || baseUrl is null || usersUrl is null || auth is null || pagination is null || mapping is null)
        {
            if (problems.Count == 0) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$", "the template is incomplete"));
            return (null, problems);
        }
        return (new CollectionTemplate
        {
            Name = name,
            Vendor = vendor,
            Description = description,
            BaseUrl = baseUrl,
            Auth = auth,
            Parameters = parameters,
            UsersUrl = usersUrl,
            Query = query,
            Pagination = pagination,
            RecordsPath = recordsPath,
            Mapping = mapping,
            Filters = filters,
            Activity = activity,
            ResponseCheck = check,
            Http = http,
        }, problems);
    }

    private static TemplateAuth? ReadAuth(Reader reader, JsonObject root, List<FormatProblem> problems)
    {
        if (reader.Object(root, "$", "auth", required: true) is not { } a) return null;
        const string path = "$.auth";
        reader.Closed(a, path, AuthFields, "auth");
        var kind = reader.Text(a, path, "kind", required: true);
        switch (kind)
        {
            case "apiKey":
                foreach (var field in new[] { "tokenUrl", "scope", "credentials" })
                    if (a.ContainsKey(field)) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, field), $"'{field}' belongs to oauth2ClientCredentials, not apiKey"));
                return new TemplateAuth
                {
                    Kind = TemplateAuthKind.ApiKey,
                    Header = reader.Text(a, path, "header", nonEmpty: true) ?? "Authorization",
                    TokenType = reader.Text(a, path, "tokenType") ?? "Bearer",
                };
            case "oauth2ClientCredentials":
                foreach (var field in new[] { "header", "tokenType" })
                    if (a.ContainsKey(field)) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, field), $"'{field}' belongs to apiKey, not oauth2ClientCredentials"));
                var tokenUrl = reader.Text(a, path, "tokenUrl", required: true, nonEmpty: true);
                if (tokenUrl is not null && !ManifestReader.IsHttpUrl(ManifestReader.ConnectionPlaceholder().Replace(tokenUrl, "x")))
                    problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.auth.tokenUrl", $"tokenUrl '{tokenUrl}' must be an absolute http(s) URL"));
                var credentials = reader.Text(a, path, "credentials") ?? "basic";
                if (credentials is not ("basic" or "body"))
                    problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.auth.credentials", $"credentials must be basic (an Authorization header) or body (form fields), got '{credentials}'"));
                return tokenUrl is null ? null : new TemplateAuth
                {
                    Kind = TemplateAuthKind.OAuth2ClientCredentials,
                    TokenUrl = tokenUrl,
                    Scope = reader.Text(a, path, "scope"),
                    Credentials = credentials,
                };
            case null:
                return null;
            default:
                problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.auth.kind", $"auth kind must be apiKey or oauth2ClientCredentials, got '{kind}'"));
                return null;
        }
    }

    private static TemplatePagination? ReadPagination(Reader reader, JsonObject root, List<FormatProblem> problems)
    {
        if (reader.Object(root, "$", "pagination", required: true) is not { } p) return null;
        const string path = "$.pagination";
        reader.Closed(p, path, PaginationFields, "pagination");
        var kindText = reader.Text(p, path, "kind", required: true);
        if (kindText is null) return null;
        if (!PaginationKinds.TryGetValue(kindText, out var kind))
        {
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.pagination.kind", $"pagination kind must be one of {string.Join(", ", PaginationKinds.Keys)}, got '{kindText}'"));
            return null;
        }
        string[] allowed = kind switch
        {
            TemplatePaginationKind.None => ["kind"],
            TemplatePaginationKind.OffsetLimit => ["kind", "offsetParameter", "limitParameter", "limit", "maxPages", "stopOnShortPage"],
            TemplatePaginationKind.PageNumber => ["kind", "pageParameter", "pageSizeParameter", "firstPage", "limit", "maxPages", "stopOnShortPage"],
            TemplatePaginationKind.CursorLimit => ["kind", "cursorParameter", "cursorPath", "limitParameter", "limit", "maxPages"],
            _ => ["kind", "limitParameter", "limit", "maxPages"],
        };
        foreach (var (field, _) in p)
            if (PaginationFields.Contains(field) && !allowed.Contains(field))
                problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, field), $"'{field}' does not apply to {kindText} pagination"));
        var limit = reader.Int(p, path, "limit") ?? 100;
        if (limit is < 1 or > 10_000) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.pagination.limit", $"limit must be between 1 and 10000, got {limit}"));
        var maxPages = reader.Int(p, path, "maxPages");
        if (maxPages < 1) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$.pagination.maxPages", $"maxPages must be at least 1, got {maxPages}"));
        var cursorPath = reader.Text(p, path, "cursorPath", required: kind == TemplatePaginationKind.CursorLimit, nonEmpty: true) ?? "";
        return new TemplatePagination
        {
            Kind = kind,
            OffsetParameter = reader.Text(p, path, "offsetParameter", nonEmpty: true) ?? "offset",
            LimitParameter = reader.Text(p, path, "limitParameter") ?? (kind == TemplatePaginationKind.LinkHeader ? "" : "limit"),
            PageParameter = reader.Text(p, path, "pageParameter", nonEmpty: true) ?? "page",
            PageSizeParameter = reader.Text(p, path, "pageSizeParameter") ?? "per_page",
            FirstPage = reader.Int(p, path, "firstPage") ?? 1,
            CursorParameter = reader.Text(p, path, "cursorParameter", nonEmpty: true) ?? "cursor",
            CursorPath = cursorPath,
            Limit = limit,
            MaxPages = maxPages,
            StopOnShortPage = reader.Bool(p, path, "stopOnShortPage") ?? false,
        };
    }


    private sealed class Reader(List<FormatProblem> problems)
    {
        public void Closed(JsonObject obj, string path, string[] fields, string what)
        {
            foreach (var (field, _) in obj)
                if (!fields.Contains(field))
                    problems.Add(FormatProblem.Error("TEMPLATE_UNKNOWN_FIELD", JsonPath.Property(path, field), $"unknown field '{field}'; {what} has {string.Join(", ", fields)}"));
        }

        private JsonNode? Get(JsonObject obj, string path, string field, bool required)
        {
            if (obj.TryGetPropertyValue(field, out var node) && node is not null) return node;
            if (required) problems.Add(FormatProblem.Error("TEMPLATE_MISSING_FIELD", path, $"missing field '{field}'"));
            return null;
        }

        public string? Text(JsonObject obj, string path, string field, bool required = false, bool nonEmpty = false)
        {
            if (Get(obj, path, field, required) is not { } node) return null;
            if (node is JsonValue v && v.TryGetValue(out string? s))
            {
                if (nonEmpty && s.Trim().Length == 0) { problems.Add(FormatProblem.Error("TEMPLATE_INVALID", JsonPath.Property(path, field), $"'{field}' must not be empty")); return null; }
                return s;
            }
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", JsonPath.Property(path, field), $"'{field}' must be a string"));
            return null;
        }

        public int? Int(JsonObject obj, string path, string field, bool required = false)
        {
            if (Get(obj, path, field, required) is not { } node) return null;
            if (node is JsonValue v && v.TryGetValue(out int i)) return i;
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", JsonPath.Property(path, field), $"'{field}' must be an integer"));
            return null;
        }

        public bool? Bool(JsonObject obj, string path, string field)
        {
            if (Get(obj, path, field, false) is not { } node) return null;
            if (node is JsonValue v && v.TryGetValue(out bool b)) return b;
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", JsonPath.Property(path, field), $"'{field}' must be true or false"));
            return null;
        }

        public JsonObject? Object(JsonObject obj, string path, string field, bool required = false)
        {
            if (Get(obj, path, field, required) is not { } node) return null;
            if (node is JsonObject o) return (JsonObject)o.DeepClone();
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", JsonPath.Property(path, field), $"'{field}' must be an object"));
            return null;
        }

        public JsonArray? Array(JsonObject obj, string path, string field)
        {
            if (Get(obj, path, field, false) is not { } node) return null;
            if (node is JsonArray a) return a;
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", JsonPath.Property(path, field), $"'{field}' must be a list"));
            return null;
        }
    }
}
