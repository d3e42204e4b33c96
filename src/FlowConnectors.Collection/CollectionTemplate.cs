using System.Text.Json.Nodes;

namespace FlowConnectors.Collection;

/// <summary>
/// A data-collection template (<c>flows/templates/*.template.json</c>, schema
/// <c>schemas/collection-template.schema.json</c>): where a vendor's users are, how to page through
/// them, and how their fields map to the collected user. <see cref="TemplateCompiler"/> turns it into
/// an ordinary connector folder.
/// </summary>
public sealed record CollectionTemplate
{
    public const int Format = 1;

    public required string Name { get; init; }
    public required string Vendor { get; init; }
    public string? Description { get; init; }
    /// <summary>The vendor's API root; may hold <c>{{connection.x}}</c> placeholders of <see cref="Parameters"/>.</summary>
    public required string BaseUrl { get; init; }
    public required TemplateAuth Auth { get; init; }
    /// <summary>Extra text connection parameters (e.g. a ServiceNow instance name).</summary>
    public IReadOnlyList<TemplateParameter> Parameters { get; init; } = [];
    /// <summary>The users endpoint, relative to <see cref="BaseUrl"/>.</summary>
    public required string UsersUrl { get; init; }
    /// <summary>Query parameters sent with every page.</summary>
    public JsonObject? Query { get; init; }
    public required TemplatePagination Pagination { get; init; }
    /// <summary>Where the records are in a page's body; empty when the body is the list.</summary>
    public string RecordsPath { get; init; } = "";
    public required UserMapping Mapping { get; init; }
    public IReadOnlyList<TemplateFilter> Filters { get; init; } = [];
    public TemplateActivity? Activity { get; init; }
    /// <summary>For APIs that answer 200 with an error flag (Slack's <c>"ok": false</c>).</summary>
    public ResponseCheck? ResponseCheck { get; init; }
    /// <summary>Resilience settings of the connector (the manifest's <c>http</c> block): retries of a failed page.</summary>
    public JsonObject? Http { get; init; }
}

public enum TemplateAuthKind
{
    ApiKey,
    OAuth2ClientCredentials,
}

public sealed record TemplateAuth
{
    public TemplateAuthKind Kind { get; init; }
    /// <summary>API key: the header carrying it.</summary>
    public string Header { get; init; } = "Authorization";
    /// <summary>API key: the word before the key (Bearer, token, SSWS); empty for the bare key.</summary>
    public string TokenType { get; init; } = "Bearer";
    public string? TokenUrl { get; init; }
    public string? Scope { get; init; }
    /// <summary>OAuth 2.0: client id and secret in a Basic header (<c>basic</c>) or in the form body (<c>body</c>).</summary>
    public string Credentials { get; init; } = "basic";
}

public sealed record TemplateParameter(string Name, string Label, bool Required, string? Default, string? Description);

public enum TemplatePaginationKind
{
    None,
    OffsetLimit,
    PageNumber,
    CursorLimit,
    LinkHeader,
}

public sealed record TemplatePagination
{
    public TemplatePaginationKind Kind { get; init; }
    public string OffsetParameter { get; init; } = "offset";
    /// <summary>offsetLimit, cursorLimit, linkHeader: the page-size parameter; empty to send none.</summary>
    public string LimitParameter { get; init; } = "limit";
    public string PageParameter { get; init; } = "page";
    public string PageSizeParameter { get; init; } = "per_page";
    public int FirstPage { get; init; } = 1;
    public string CursorParameter { get; init; } = "cursor";
    public string CursorPath { get; init; } = "";
    /// <summary>Records asked for per page (default 100).</summary>
    public int Limit { get; init; } = 100;
    /// <summary>
    /// Guard against an API that never stops; null: fitted to the data at each run (see <see cref="CollectionRunner.MaxPagesFor"/>).
    /// </summary>
    public int? MaxPages { get; init; }
    /// <summary>offsetLimit, pageNumber: the vendor honours the limit exactly, so a short page is the last. Otherwise paging stops at an empty page.</summary>
    public bool StopOnShortPage { get; init; }
}

/// <summary>Vendor field paths (dot notation) for each field of a collected user; only <see cref="Id"/> is required.</summary>
public sealed record UserMapping
{
    public required string Id { get; init; }
    public string? Email { get; init; }
    public string? Name { get; init; }
    public string? Department { get; init; }
    public string? Status { get; init; }
    public string? Created { get; init; }
}

public enum FilterOperator
{
    Equals,
    NotEquals,
}

/// <summary>Keeps a record only when the response field equals (or does not equal) the value.</summary>
public sealed record TemplateFilter(string Field, FilterOperator Operator, JsonNode? Value);

/// <summary>Activity: the field holding the user's last activity, and the application it belongs to.</summary>
public sealed record TemplateActivity(string? LastActivityField, string? Application);

/// <summary>A page is an error when <see cref="OkField"/> is not true; <see cref="ErrorField"/> says why.</summary>
public sealed record ResponseCheck(string OkField, string? ErrorField);
