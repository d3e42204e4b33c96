using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
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
/// Reads a template, reporting every problem at once with its JSON path, through the one format validator:
/// schemas/collection-template.schema.json checks its shape (<see cref="FormatSchema"/>), each failed keyword becomes
/// the problem templates have always reported, System.Text.Json reads what is left as typed records, and the checks
/// a schema cannot make follow (URLs, placeholders, credentials in URLs, the fields a pagination or auth kind takes).
/// </summary>
public static class TemplateReader
{
    public const string Extension = ".template.json";

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

    internal static IEnumerable<string> PaginationKindNames => PaginationKinds.Keys;

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
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            return (null, [FormatProblem.Error("TEMPLATE_MALFORMED", e.Path ?? "$", $"line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}: malformed JSON")]);
        }
        using (document) return Read(document.RootElement);
    }

    public static (CollectionTemplate? Template, List<FormatProblem> Problems) Read(JsonNode? node) =>
        Read(node is null ? default : JsonSerializer.SerializeToElement(node, TemplateJsonContext.Default.JsonNode));

    private static (CollectionTemplate? Template, List<FormatProblem> Problems) Read(JsonElement given)
    {
        var problems = new List<FormatProblem>();
        if (given.ValueKind != JsonValueKind.Object)
        {
            problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$", "a template must be a JSON object"));
            return (null, problems);
        }
        // A field set to null is a field not given, as it always was (a filter's value excepted: null is a value to compare with).
        using var withoutNulls = JsonDocument.Parse(FormatSchema.CopyWithout(given, NullFields(given)));
        var root = withoutNulls.RootElement;

        var reported = new HashSet<string>(StringComparer.Ordinal);
        void Add(FormatProblem problem)
        {
            if (reported.Add(problem.Path + " " + problem.Code)) problems.Add(problem);
        }
        var leaveOut = new HashSet<string>(StringComparer.Ordinal);
        var violations = FormatSchema.CollectionTemplate.Evaluate(root);
        foreach (var violation in violations)
            foreach (var problem in TemplateSchemaProblems.Translate(violation, root))
            {
                Add(problem);
                if (violation.Keyword is "type" or "enum" or "const") leaveOut.Add(violation.Pointer);
            }
        if (violations.Any(v => v.IsNumberOutOfRange)) return (null, problems);

        TemplateDocument doc;
        try
        {
            doc = JsonSerializer.Deserialize(FormatSchema.CopyWithout(root, leaveOut), TemplateJsonContext.Default.TemplateDocument) ?? new();
        }
        catch (JsonException e)
        {
            problems.Add(FormatProblem.Error("TEMPLATE_WRONG_TYPE", e.Path ?? "$", $"unreadable value: {e.Message}"));
            return (null, problems);
        }
        var template = Check(doc, root, Add);
        return problems.Count > 0 || template is null ? (null, EnsureOne(problems)) : (template, problems);
    }

    private static List<FormatProblem> EnsureOne(List<FormatProblem> problems)
    {
        if (problems.Count == 0) problems.Add(FormatProblem.Error("TEMPLATE_INVALID", "$", "the template is incomplete"));
        return problems;
    }

    /// <summary>Pointers of the fields set to JSON null, but a filter's value.</summary>
    private static HashSet<string> NullFields(JsonElement root)
    {
        var found = new HashSet<string>(StringComparer.Ordinal);
        void Walk(JsonElement element, string pointer, bool inFilter)
        {
            if (element.ValueKind == JsonValueKind.Object)
                foreach (var property in element.EnumerateObject())
                {
                    var child = pointer + "/" + FormatSchema.Escape(property.Name);
                    if (property.Value.ValueKind == JsonValueKind.Null) { if (!(inFilter && property.Name == "value")) found.Add(child); }
                    else Walk(property.Value, child, false);
                }
            else if (element.ValueKind == JsonValueKind.Array)
            {
                var index = 0;
                foreach (var item in element.EnumerateArray()) Walk(item, pointer + "/" + index++, pointer == "/filters");
            }
        }
        Walk(root, "", false);
        return found;
    }

    /// <summary>The checks a schema cannot make, and the template built from what was readable (null when something required is not).</summary>
    private static CollectionTemplate? Check(TemplateDocument doc, JsonElement root, Action<FormatProblem> add)
    {
        void Problem(string path, string message) => add(FormatProblem.Error("TEMPLATE_INVALID", path, message));
        // Text that must not be empty: the schema's minLength catches "", this catches blanks too.
        string? NonEmpty(string? value, string path, string field)
        {
            if (value is null) return null;
            if (value.Trim().Length > 0) return value;
            Problem(JsonPath.Property(path, field), $"'{field}' must not be empty");
            return null;
        }

        var name = NonEmpty(doc.Name, "$", "name");
        var vendor = NonEmpty(doc.Vendor, "$", "vendor");
        var baseUrl = NonEmpty(doc.BaseUrl, "$", "baseUrl");
        if (baseUrl is not null && !ManifestReader.IsHttpUrl(ManifestReader.ConnectionPlaceholder().Replace(baseUrl, "x")))
            Problem("$.baseUrl", $"baseUrl '{baseUrl}' must be an absolute http(s) URL");
        var usersUrl = NonEmpty(doc.UsersUrl, "$", "usersUrl");
        if (usersUrl is not null && usersUrl.Contains("://", StringComparison.Ordinal))
            Problem("$.usersUrl", $"usersUrl '{usersUrl}' must be relative to baseUrl, e.g. /users");

        var parameters = new List<TemplateParameter>();
        for (var i = 0; i < (doc.Parameters?.Count ?? 0); i++)
        {
            if (doc.Parameters![i] is not { } p) continue;
            var path = JsonPath.Index("$.parameters", i);
            var pName = NonEmpty(p.Name, path, "name");
            if (pName is not null)
                parameters.Add(new(pName, p.Label ?? pName, p.Required ?? true, p.Default, p.Description));
        }
        foreach (var duplicate in parameters.GroupBy(p => p.Name).Where(g => g.Count() > 1))
            Problem("$.parameters", $"parameter '{duplicate.Key}' is declared more than once");
        if (baseUrl is not null)
            foreach (Match m in ManifestReader.ConnectionPlaceholder().Matches(baseUrl))
                if (parameters.All(p => p.Name != m.Groups[1].Value))
                    Problem("$.baseUrl", $"baseUrl uses {{{{connection.{m.Groups[1].Value}}}}} but no parameter '{m.Groups[1].Value}' is declared");

        var auth = CheckAuth(doc.Auth, Problem, NonEmpty);
        var pagination = CheckPagination(doc.Pagination, root, Problem, (path, message) => add(FormatProblem.Error("TEMPLATE_MISSING_FIELD", path, message)), NonEmpty);

        // Credentials never in URLs: they would be stored and returned in plain text, while settings are encrypted.
        var hint = CredentialUrls.SettingsHint(auth?.Kind);
        if (baseUrl is not null && CredentialUrls.Problem(baseUrl, hint) is { } baseProblem) Problem("$.baseUrl", baseProblem);
        if (usersUrl is not null && CredentialUrls.Problem(usersUrl, hint) is { } usersProblem) Problem("$.usersUrl", usersProblem);
        if (auth?.TokenUrl is { } tokenUrl && CredentialUrls.Problem(tokenUrl, hint) is { } tokenProblem) Problem("$.auth.tokenUrl", tokenProblem);
        if (doc.Query is { } query)
            foreach (var (queryName, _) in query)
                if (CredentialUrls.IsCredentialName(queryName)) Problem(JsonPath.Property("$.query", queryName), CredentialUrls.QueryProblem(queryName, hint));

        UserMapping? mapping = null;
        if (doc.Mapping is { } m2)
        {
            const string path = "$.mapping";
            var id = NonEmpty(m2.Id, path, "id");
            var mapped = new UserMapping
            {
                Id = id ?? "",
                Email = NonEmpty(m2.Email, path, "email"),
                Name = NonEmpty(m2.Name, path, "name"),
                Department = NonEmpty(m2.Department, path, "department"),
                Status = NonEmpty(m2.Status, path, "status"),
                Created = NonEmpty(m2.Created, path, "created"),
            };
            if (id is not null) mapping = mapped;
        }

        var filters = new List<TemplateFilter>();
        for (var i = 0; i < (doc.Filters?.Count ?? 0); i++)
        {
            if (doc.Filters![i] is not { } f) continue;
            var field = NonEmpty(f.Field, JsonPath.Index("$.filters", i), "field");
            FilterOperator? parsed = f.Operator switch { "equals" => FilterOperator.Equals, "notEquals" => FilterOperator.NotEquals, _ => null };
            if (field is not null && parsed is { } o) filters.Add(new(field, o, f.Value?.DeepClone()));
        }

        TemplateActivity? activity = doc.Activity is { } a
            ? new(NonEmpty(a.LastActivityField, "$.activity", "lastActivityField"), NonEmpty(a.Application, "$.activity", "application"))
            : null;
        ResponseCheck? check = null;
        if (doc.ResponseCheck is { } c && NonEmpty(c.OkField, "$.responseCheck", "okField") is { } ok)
            check = new(ok, NonEmpty(c.ErrorField, "$.responseCheck", "errorField"));

        if (doc.Format != CollectionTemplate.Format || name is null || vendor is null || baseUrl is null || usersUrl is null || auth is null || pagination is null || mapping is null)
            return null;
        return new CollectionTemplate
        {
            Name = name,
            Vendor = vendor,
            Description = doc.Description,
            BaseUrl = baseUrl,
            Auth = auth,
            Parameters = parameters,
            UsersUrl = usersUrl,
            Query = doc.Query,
            Pagination = pagination,
            RecordsPath = doc.RecordsPath ?? "",
            Mapping = mapping,
            Filters = filters,
            Activity = activity,
            ResponseCheck = check,
            Http = doc.Http,
        };
    }

    private static TemplateAuth? CheckAuth(AuthDocument? a, Action<string, string> problem, Func<string?, string, string, string?> nonEmpty)
    {
        const string path = "$.auth";
        switch (a?.Kind)
        {
            case "apiKey":
                return new TemplateAuth
                {
                    Kind = TemplateAuthKind.ApiKey,
                    Header = nonEmpty(a.Header, path, "header") ?? "Authorization",
                    TokenType = a.TokenType ?? "Bearer",
                };
            case "oauth2ClientCredentials":
                var tokenUrl = nonEmpty(a.TokenUrl, path, "tokenUrl");
                if (tokenUrl is not null && !ManifestReader.IsHttpUrl(ManifestReader.ConnectionPlaceholder().Replace(tokenUrl, "x")))
                    problem("$.auth.tokenUrl", $"tokenUrl '{tokenUrl}' must be an absolute http(s) URL");
                return tokenUrl is null ? null : new TemplateAuth
                {
                    Kind = TemplateAuthKind.OAuth2ClientCredentials,
                    TokenUrl = tokenUrl,
                    Scope = a.Scope,
                    Credentials = a.Credentials ?? "basic",
                };
            default:
                return null;
        }
    }

    private static TemplatePagination? CheckPagination(PaginationDocument? p, JsonElement root, Action<string, string> problem, Action<string, string> missing,
        Func<string?, string, string, string?> nonEmpty)
    {
        const string path = "$.pagination";
        if (p?.Kind is not { } kindText || !PaginationKinds.TryGetValue(kindText, out var kind)) return null;
        string[] allowed = kind switch
        {
            TemplatePaginationKind.None => ["kind"],
            TemplatePaginationKind.OffsetLimit => ["kind", "offsetParameter", "limitParameter", "limit", "maxPages", "stopOnShortPage"],
            TemplatePaginationKind.PageNumber => ["kind", "pageParameter", "pageSizeParameter", "firstPage", "limit", "maxPages", "stopOnShortPage"],
            TemplatePaginationKind.CursorLimit => ["kind", "cursorParameter", "cursorPath", "limitParameter", "limit", "maxPages"],
            _ => ["kind", "limitParameter", "limit", "maxPages"],
        };
        foreach (var field in root.GetProperty("pagination").EnumerateObject().Select(f => f.Name))
            if (PaginationFields.Contains(field) && !allowed.Contains(field))
                problem(JsonPath.Property(path, field), $"'{field}' does not apply to {kindText} pagination");
        if (kind == TemplatePaginationKind.CursorLimit && !root.GetProperty("pagination").TryGetProperty("cursorPath", out _))
            missing(path, "missing field 'cursorPath'");
        return new TemplatePagination
        {
            Kind = kind,
            OffsetParameter = nonEmpty(p.OffsetParameter, path, "offsetParameter") ?? "offset",
            LimitParameter = p.LimitParameter ?? (kind == TemplatePaginationKind.LinkHeader ? "" : "limit"),
            PageParameter = nonEmpty(p.PageParameter, path, "pageParameter") ?? "page",
            PageSizeParameter = p.PageSizeParameter ?? "per_page",
            FirstPage = p.FirstPage ?? 1,
            CursorParameter = nonEmpty(p.CursorParameter, path, "cursorParameter") ?? "cursor",
            CursorPath = nonEmpty(p.CursorPath, path, "cursorPath") ?? "",
            Limit = p.Limit ?? 100,
            MaxPages = p.MaxPages,
            StopOnShortPage = p.StopOnShortPage ?? false,
        };
    }
}

/// <summary>
/// Today's code and message for one failed keyword of schemas/collection-template.schema.json; none where a check of
/// <see cref="TemplateReader"/> owns the rule (URLs, blank text) or the keyword only steers (oneOf, if, not).
/// </summary>
internal static class TemplateSchemaProblems
{
    private static readonly Dictionary<string, string> Names = new(StringComparer.Ordinal)
    {
        [""] = "a template", ["/$defs/parameter"] = "a parameter", ["/$defs/pagination"] = "pagination", ["/$defs/mapping"] = "a mapping",
        ["/$defs/filter"] = "a filter", ["/$defs/activity"] = "activity", ["/$defs/responseCheck"] = "responseCheck",
    };

    public static IEnumerable<FormatProblem> Translate(SchemaViolation v, JsonElement root)
    {
        var segments = FormatSchema.Segments(v.Pointer).ToArray();
        var value = FormatSchema.At(root, v.Pointer);
        var text = value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Undefined ? "" : value.GetRawText();
        FormatProblem Error(string code, string message, string? path = null) => FormatProblem.Error(code, path ?? v.Path, message);
        var field = segments.LastOrDefault() ?? "";
        if (v.IsNumberOutOfRange) return [Error("TEMPLATE_WRONG_TYPE", v.LibraryMessage)];
        // Steering keywords: a branch not taken fails by design; the failure that matters is reported inside the branch taken.
        if (v.Keyword is "oneOf" or "if" or "then" or "allOf" or "$ref" || v.SchemaPointer.Contains("/if", StringComparison.Ordinal) ||
            v.SchemaPointer.Contains("/not", StringComparison.Ordinal))
            return [];

        if (segments is ["auth", ..] || (segments.Length == 0 && v.SchemaPointer.StartsWith("/$defs/auth", StringComparison.Ordinal)))
            return Auth(v, root, segments, text, Error);
        // cursorLimit needs cursorPath: the reader checks it (the schema's if/then also holds when the kind is missing).
        if (v.SchemaPointer.Contains("/then", StringComparison.Ordinal)) return [];

        switch (v.Keyword)
        {
            case "required":
                return Missing(v, root, Holder(v)).Select(f => Error("TEMPLATE_MISSING_FIELD", $"missing field '{f}'"));
            case "additionalProperties":
                var holder = v.SchemaPointer;
                return [Error("TEMPLATE_UNKNOWN_FIELD", $"unknown field '{v.Field}'; {Names.GetValueOrDefault(holder, "it")} has {string.Join(", ", FieldsOf(holder))}")];
            case "type":
                return [segments switch
                {
                    ["parameters", _] => Error("TEMPLATE_WRONG_TYPE", "a parameter must be an object"),
                    ["filters", _] => Error("TEMPLATE_WRONG_TYPE", "a filter must be an object"),
                    ["filters", _, "value"] => Error("TEMPLATE_INVALID", "value must be a string, number, boolean or null"),
                    _ => Error("TEMPLATE_WRONG_TYPE", $"'{field}' must be {Expected((string?)Holder(v)?["type"])}"),
                }];
            case "const" when segments is ["format"]:
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var format)
                    ? [Error("TEMPLATE_INVALID", $"format must be {CollectionTemplate.Format}, got {format}")]
                    : [Error("TEMPLATE_WRONG_TYPE", "'format' must be an integer")];
            case "enum" when value.ValueKind != JsonValueKind.String:
                return [Error("TEMPLATE_WRONG_TYPE", $"'{field}' must be a string")];
            case "enum" when segments is ["pagination", "kind"]:
                return [Error("TEMPLATE_INVALID", $"pagination kind must be one of {string.Join(", ", TemplateReader.PaginationKindNames)}, got '{text}'")];
            case "enum" when segments is ["filters", _, "operator"]:
                return [Error("TEMPLATE_INVALID", $"operator must be equals or notEquals, got '{text}'")];
            case "minLength":
                // Blank text is reported by the reader's own check, with the same message.
                return [Error("TEMPLATE_INVALID", $"'{field}' must not be empty")];
            case "minimum" or "maximum" when segments is ["pagination", "limit"]:
                return [Error("TEMPLATE_INVALID", $"limit must be between 1 and 10000, got {text}")];
            case "minimum" when segments is ["pagination", "maxPages"]:
                return [Error("TEMPLATE_INVALID", $"maxPages must be at least 1, got {text}")];
            case "pattern" when segments is ["parameters", _, "name"]:
                return text!.Trim().Length == 0 ? []
                    : [Error("TEMPLATE_INVALID", $"parameter name '{text}' must be letters, digits or '_', starting with a letter or '_'")];
            case "not" when segments is ["parameters", _, "name"]:
                return [Error("TEMPLATE_INVALID", $"'{text}' is reserved for the credentials")];
            case "pattern":
                // URLs are checked as URLs, with {{connection.…}} placeholders filled in.
                return [];
            default:
                return [Error("TEMPLATE_INVALID", v.LibraryMessage)];
        }
    }

    /// <summary>The auth block: only the branch of the kind it names speaks; its fields are checked against that kind.</summary>
    private static IEnumerable<FormatProblem> Auth(SchemaViolation v, JsonElement root, string[] segments, string? text, Func<string, string, string?, FormatProblem> error)
    {
        var auth = FormatSchema.At(root, "/auth");
        if (segments is ["auth"] && v.Keyword == "type")
            return [error("TEMPLATE_WRONG_TYPE", "'auth' must be an object", null)];
        if (auth.ValueKind != JsonValueKind.Object) return [];
        var kind = auth.TryGetProperty("kind", out var k) ? k : default;
        string[] kinds = ["apiKey", "oauth2ClientCredentials"];
        var branch = kind.ValueKind == JsonValueKind.String ? Array.IndexOf(kinds, kind.GetString()) : -1;
        // The kind itself: reported once, by the first branch's view of it.
        if (!v.SchemaPointer.StartsWith("/$defs/auth/oneOf/0", StringComparison.Ordinal) && branch < 0) return [];
        if (branch < 0)
        {
            if (segments is ["auth"] && v.Keyword == "required")
                return Missing(v, root, FormatSchema.CollectionTemplate.Subschema(v.SchemaPointer)).Where(f => f == "kind").Select(f => error("TEMPLATE_MISSING_FIELD", $"missing field '{f}'", "$.auth"));
            if (segments is ["auth", "kind"])
                return kind.ValueKind == JsonValueKind.String
                    ? [error("TEMPLATE_INVALID", $"auth kind must be apiKey or oauth2ClientCredentials, got '{kind.GetString()}'", null)]
                    : [error("TEMPLATE_WRONG_TYPE", "'kind' must be a string", null)];
            if (v.Keyword == "additionalProperties" && !TemplateReader.AuthFields.Contains(v.Field))
                return [error("TEMPLATE_UNKNOWN_FIELD", $"unknown field '{v.Field}'; auth has {string.Join(", ", TemplateReader.AuthFields)}", null)];
            // The other fields of an auth whose kind is unknown are not judged.
            return [];
        }
        if (!v.SchemaPointer.StartsWith($"/$defs/auth/oneOf/{branch}", StringComparison.Ordinal)) return [];
        var field = segments.LastOrDefault() ?? "";
        return v.Keyword switch
        {
            "required" => Missing(v, root, FormatSchema.CollectionTemplate.Subschema(v.SchemaPointer)).Select(f => error("TEMPLATE_MISSING_FIELD", $"missing field '{f}'", "$.auth")),
            "additionalProperties" when TemplateReader.AuthFields.Contains(v.Field) =>
                [error("TEMPLATE_INVALID", $"'{v.Field}' belongs to {kinds[1 - branch]}, not {kinds[branch]}", null)],
            "additionalProperties" => [error("TEMPLATE_UNKNOWN_FIELD", $"unknown field '{v.Field}'; auth has {string.Join(", ", TemplateReader.AuthFields)}", null)],
            "type" => [error("TEMPLATE_WRONG_TYPE", $"'{field}' must be {Expected((string?)FormatSchema.CollectionTemplate.Subschema(v.SchemaPointer)?["type"])}", null)],
            "enum" when segments is ["auth", "credentials"] => FormatSchema.At(root, "/auth/credentials").ValueKind == JsonValueKind.String
                ? [error("TEMPLATE_INVALID", $"credentials must be basic (an Authorization header) or body (form fields), got '{text}'", null)]
                : [error("TEMPLATE_WRONG_TYPE", "'credentials' must be a string", null)],
            "minLength" => [error("TEMPLATE_INVALID", $"'{field}' must not be empty", null)],
            _ => [],
        };
    }

    /// <summary>How a problem names the JSON type a schema asks for; a template's arrays have always been lists.</summary>
    private static string Expected(string? type) => type == "array" ? "a list" : FormatSchema.Expected(type);

    private static JsonObject? Holder(SchemaViolation v) => FormatSchema.CollectionTemplate.Subschema(v.SchemaPointer);

    private static IEnumerable<string> FieldsOf(string schemaPointer) =>
        FormatSchema.CollectionTemplate.Subschema(schemaPointer)?["properties"]?.AsObject().Select(p => p.Key) ?? [];

    private static IEnumerable<string> Missing(SchemaViolation v, JsonElement root, JsonObject? holder)
    {
        var instance = FormatSchema.At(root, v.Pointer);
        var required = holder?["required"]?.AsArray().Select(r => (string)r!) ?? [];
        return instance.ValueKind == JsonValueKind.Object ? required.Where(name => !instance.TryGetProperty(name, out _)) : [];
    }
}

/// <summary>A template as written (schemas/collection-template.schema.json), once the schema check has left out values of the wrong type.</summary>
internal sealed class TemplateDocument
{
    public int? Format { get; init; }
    public string? Name { get; init; }
    public string? Vendor { get; init; }
    public string? Description { get; init; }
    public string? BaseUrl { get; init; }
    public AuthDocument? Auth { get; init; }
    public List<ParameterDocument?>? Parameters { get; init; }
    public string? UsersUrl { get; init; }
    public JsonObject? Query { get; init; }
    public PaginationDocument? Pagination { get; init; }
    public string? RecordsPath { get; init; }
    public MappingDocument? Mapping { get; init; }
    public List<FilterDocument?>? Filters { get; init; }
    public ActivityDocument? Activity { get; init; }
    public ResponseCheckDocument? ResponseCheck { get; init; }
    public JsonObject? Http { get; init; }
}

internal sealed class AuthDocument
{
    public string? Kind { get; init; }
    public string? Header { get; init; }
    public string? TokenType { get; init; }
    public string? TokenUrl { get; init; }
    public string? Scope { get; init; }
    public string? Credentials { get; init; }
}

internal sealed class ParameterDocument
{
    public string? Name { get; init; }
    public string? Label { get; init; }
    public bool? Required { get; init; }
    public string? Default { get; init; }
    public string? Description { get; init; }
}

internal sealed class PaginationDocument
{
    public string? Kind { get; init; }
    public string? OffsetParameter { get; init; }
    public string? LimitParameter { get; init; }
    public string? PageParameter { get; init; }
    public string? PageSizeParameter { get; init; }
    public int? FirstPage { get; init; }
    public string? CursorParameter { get; init; }
    public string? CursorPath { get; init; }
    public int? Limit { get; init; }
    public int? MaxPages { get; init; }
    public bool? StopOnShortPage { get; init; }
}

internal sealed class MappingDocument
{
    public string? Id { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Department { get; init; }
    public string? Status { get; init; }
    public string? Created { get; init; }
}

internal sealed class FilterDocument
{
    public string? Field { get; init; }
    public string? Operator { get; init; }
    public JsonNode? Value { get; init; }
}

internal sealed class ActivityDocument
{
    public string? LastActivityField { get; init; }
    public string? Application { get; init; }
}

internal sealed class ResponseCheckDocument
{
    public string? OkField { get; init; }
    public string? ErrorField { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TemplateDocument))]
[JsonSerializable(typeof(JsonNode))]
internal sealed partial class TemplateJsonContext : JsonSerializerContext;
