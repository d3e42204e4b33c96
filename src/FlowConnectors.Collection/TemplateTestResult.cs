using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FlowConnectors.Collection;

/// <summary>
/// What one page of a template gave (<see cref="TemplatePreview.Analyze"/>, and the request the test sent): the answer's
/// status and raw sample, the problems found, and — once the records were found — the mapped users, the records the
/// filters leave out or that have no id, and where the next page is. The server answers it as it is, so the members
/// not reached yet are left out of the JSON rather than written as null (the designer tells "not found" by absence).
/// </summary>
public sealed record CollectionTemplateTestResult(int Status, string? ContentType, JsonNode? Sample, IReadOnlyList<CollectionTemplateTestProblem> Problems,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Records = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<CollectionTemplateTestUser>? Users = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonArray? FilteredOut = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonArray? WithoutId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CollectionTemplateTestNext? Next = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CollectionTemplateTestRequestSent? Request = null);

/// <summary>Something in the template that the answer shows to be wrong, with the template's JSON path (e.g. <c>$.recordsPath</c>).</summary>
public sealed record CollectionTemplateTestProblem(string Path, string Message);

/// <summary>A record of the sample mapped as a collected user; times as ISO 8601.</summary>
public sealed record CollectionTemplateTestUser(string Id, string? Email, string? Name, string? Department, string? Status, string? Created,
    string? LastActivity, string? Application);

/// <summary>
/// Where the next page is: its kind (none, offsetLimit, pageNumber, cursorLimit, linkHeader), whether there is one, the
/// offset, page, cursor or URL it starts at, and a description — or the problem that stops the paging. Only the members
/// that apply to the kind are written.
/// </summary>
public sealed record CollectionTemplateTestNext(string Kind, bool More,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Description = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Problem = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Offset = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Page = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Cursor = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Url = null);

/// <summary>The first page's request: the users URL and the query it sent.</summary>
public sealed record CollectionTemplateTestRequestSent(string Url, JsonObject Query);
