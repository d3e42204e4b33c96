using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Collection;

using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>A shipped collection template as listed: what it collects and the settings a connection from it needs.</summary>
internal sealed record CollectionTemplateSummary(string Id, string Name, string Vendor, string? Description, string Auth, string Pagination, string UsersUrl,
    string? BaseUrl, CollectionTemplateSetting[] Settings);

/// <summary>A setting of a template's connection; secret ones (API key, client secret) are encrypted at rest.</summary>
internal sealed record CollectionTemplateSetting(string Name, string Label, bool Secret, bool Required, string? Default = null, string? Description = null);

/// <summary>
/// POST /api/collection/sources: a connector made from a template (a shipped one's id, or templateJson inline), its
/// connection's settings and schedule. The service's reader checks it member by member, naming the JSON path.
/// </summary>
internal sealed record CollectionSourceRequest(string? Template = null, [property: FormatDocument(FormatKind.CollectionTemplate)] JsonObject? TemplateJson = null, string? Name = null, string? Key = null,
    Dictionary<string, string>? Settings = null, CollectionScheduleRequest? Schedule = null, string? BaseUrl = null, string? TokenUrl = null, int? SuspiciousBelowPercent = null);

/// <summary>POST /api/collection/templates/test: one page of a template that is not saved yet, with the settings of a connection.</summary>
internal sealed record CollectionTemplateTestRequest(string? Template = null, [property: FormatDocument(FormatKind.CollectionTemplate)] JsonObject? TemplateJson = null, string? Name = null, Dictionary<string, string>? Settings = null,
    string? BaseUrl = null, string? TokenUrl = null);

/// <summary>PUT /api/collection/sources/{key}/schedule: only the fields sent change; enabling needs the IANA time zone.</summary>
internal sealed record CollectionScheduleRequest(bool? Enabled = null, string? Time = null, string? TimeZone = null);

/// <summary>PUT /api/collection/sources/{key}/guard: 0 turns the guard off.</summary>
internal sealed record CollectionGuardRequest(int SuspiciousBelowPercent);

internal sealed record CollectionSourceResponse(string Key, string Name, string Vendor, string ConnectionId, string FlowId, CollectionScheduleResponse Schedule,
    int SuspiciousBelowPercent, string? AcceptedAt, bool Running, CollectionRunResponse? LastRun, string CreatedAt);

/// <summary>A source's schedule; the next runs in local time with their UTC offset (a DST change shows as another offset).</summary>
internal sealed record CollectionScheduleResponse(bool Enabled, string Time, string TimeZone, string? NextRunAt, CollectionNextRun[] NextRuns);

internal sealed record CollectionNextRun(string Local, string UtcOffset, string Utc);

/// <summary>One import run: counters while it runs, outcome and where it stopped afterwards.</summary>
internal sealed record CollectionRunResponse(string Id, string Connector, string Trigger, string Status, string StartedAt, string? FinishedAt,
    int Pages, int Records, int Inserted, int Updated, int Filtered, int Skipped, int Users, long DurationMs, string? Error, string? Warning,
    string? ConfirmedAt, string? StoppedAt)
{
    public static CollectionRunResponse Of(CollectionRun run) => new(run.Id, run.ConnectorKey, run.Trigger, run.Status,
        run.StartedAt.ToString("O", CultureInfo.InvariantCulture), run.FinishedAt?.ToString("O", CultureInfo.InvariantCulture),
        run.Pages, run.Records, run.Inserted, run.Updated, run.Filtered, run.Skipped, run.Users, run.DurationMs, run.Error, run.Warning,
        run.ConfirmedAt?.ToString("O", CultureInfo.InvariantCulture), run.StoppedAt);
}

internal sealed record CollectedUserResponse(string Id, string? Email, string? Name, string? Department, string? Status, string? Created, string? LastActivity,
    string? Application, string FirstSeen, string LastSeen)
{
    public static CollectedUserResponse Of(StoredUser u) => new(u.User.VendorId, u.User.Email, u.User.Name, u.User.Department, u.User.Status,
        u.User.CreatedAt?.ToString("O", CultureInfo.InvariantCulture), u.User.LastActivityAt?.ToString("O", CultureInfo.InvariantCulture), u.User.Application,
        u.FirstSeenAt.ToString("O", CultureInfo.InvariantCulture), u.LastSeenAt.ToString("O", CultureInfo.InvariantCulture));
}

internal sealed record CollectedUserPage(int Total, int Page, int PageSize, CollectedUserResponse[] Items);

internal sealed record CollectionSummaryResponse(int TotalUsers, int Active30Days, int Active90Days, int Inactive, int NewThisMonth,
    DepartmentCount[] ByDepartment, MonthCount[] ActivityByMonth);

internal sealed record DepartmentCount(string Department, int Users);

internal sealed record MonthCount(string Month, int Users);
