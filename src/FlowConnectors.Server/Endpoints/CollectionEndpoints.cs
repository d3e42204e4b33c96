using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Collection;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Data collection: the shipped templates, connectors added from them (with connection and
/// schedule), import runs and their progress, and the collected users (table, indicators, charts).
/// </summary>
internal static class CollectionEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/collection");

        api.MapGet("/templates", (CollectionService collections) =>
            Results.Json(collections.ListTemplates().Select(t => TemplateJson(t.Id, t.Template))));
        api.MapGet("/templates/{id}", (string id, CollectionService collections) =>
            collections.ListTemplates().FirstOrDefault(t => t.Id == id) is { Template: not null } found
                ? Results.Json(found.Json)
                : Problems.Result(404, "Not found", $"no template '{id}'"));

        // One page of a template that is not saved yet: the designer's Test button.
        api.MapPost("/templates/test", async (HttpRequest request, CollectionService collections, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o) return Problems.Validation("the body must be a JSON object", [new { path = "$", message = "not an object" }]);
            return await HandleAsync(async () => Results.Json(await collections.TestTemplateAsync(o, ct)));
        });

        api.MapGet("/sources", async (CollectionService collections, ICollectionStore store, CancellationToken ct) =>
        {
            var list = new JsonArray();
            foreach (var source in await store.ListSourcesAsync(ct)) list.Add(await SourceJsonAsync(source, collections, store, ct));
            return Results.Json(list);
        });
        api.MapGet("/sources/{key}", async (string key, CollectionService collections, ICollectionStore store, CancellationToken ct) =>
            await store.GetSourceAsync(key, ct) is { } source
                ? Results.Json(await SourceJsonAsync(source, collections, store, ct))
                : NotFound(key));
        api.MapPost("/sources", async (HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (body is not JsonObject o) return Problems.Validation("the body must be a JSON object", [new { path = "$", message = "not an object" }]);
            return await HandleAsync(async () => Results.Json(await SourceJsonAsync(await collections.AddAsync(o, ct), collections, store, ct), statusCode: 201));
        });
        api.MapPut("/sources/{key}/schedule", async (string key, HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            return await HandleAsync(async () => Results.Json(await SourceJsonAsync(await collections.UpdateScheduleAsync(key, body, ct), collections, store, ct)));
        });
        api.MapPut("/sources/{key}/guard", async (string key, HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            return await HandleAsync(async () => Results.Json(await SourceJsonAsync(await collections.UpdateGuardAsync(key, body, ct), collections, store, ct)));
        });
        api.MapDelete("/sources/{key}", (string key, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () =>
            {
                await collections.DeleteAsync(key, ct);
                return Results.NoContent();
            }));

        api.MapPost("/sources/{key}/runs", (string key, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => Results.Json(RunJson(await collections.StartRunAsync(key, "manual", ct)), statusCode: 202)));
        api.MapGet("/sources/{key}/runs", async (string key, int? limit, ICollectionStore store, CancellationToken ct) =>
            await store.GetSourceAsync(key, ct) is null
                ? NotFound(key)
                : Results.Json((await store.ListRunsAsync(key, limit ?? 50, ct)).Select(RunJson)));
        api.MapGet("/runs/{id}", async (string id, ICollectionStore store, CancellationToken ct) =>
            await store.GetRunAsync(id, ct) is { } run ? Results.Json(RunJson(run)) : Problems.Result(404, "Not found", $"no import run '{id}'"));
        api.MapPost("/runs/{id}/cancel", (string id, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => Results.Json(RunJson(await collections.CancelRunAsync(id, ct)))));
        api.MapPost("/runs/{id}/confirm", (string id, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => Results.Json(RunJson(await collections.ConfirmRunAsync(id, ct)))));

        api.MapGet("/sources/{key}/users", async (string key, HttpRequest request, ICollectionStore store, CancellationToken ct) =>
        {
            if (await store.GetSourceAsync(key, ct) is null) return NotFound(key);
            var q = request.Query;
            var sort = q["sort"].FirstOrDefault() ?? "name";
            if (!UserQuery.SortFields.Contains(sort))
                return Problems.Validation($"sort must be one of {string.Join(", ", UserQuery.SortFields)}", [new { path = "sort", message = $"unknown sort field '{sort}'" }]);
            var errors = new List<object>();
            int Number(string name, int fallback, int min, int max)
            {
                if (q[name].FirstOrDefault() is not { } text) return fallback;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
                errors.Add(new { path = name, message = $"{name} must be a whole number from {min} to {max}" });
                return fallback;
            }
            var query = new UserQuery
            {
                Sort = sort,
                Descending = q["dir"].FirstOrDefault() == "desc",
                Search = q["search"].FirstOrDefault(),
                Department = q["department"].FirstOrDefault(),
                Status = q["status"].FirstOrDefault(),
                Page = Number("page", 1, 1, 1_000_000),
                PageSize = Number("pageSize", 25, 1, 500),
            };
            if (errors.Count > 0) return Problems.Validation("invalid paging", errors);
            var page = await store.QueryUsersAsync(key, query, ct);
            return Results.Json(new JsonObject
            {
                ["total"] = page.Total,
                ["page"] = page.Page,
                ["pageSize"] = page.PageSize,
                ["items"] = new JsonArray(page.Items.Select(u => (JsonNode?)UserJson(u)).ToArray()),
            });
        });
        api.MapGet("/sources/{key}/summary", async (string key, ICollectionStore store, TimeProvider clock, CancellationToken ct) =>
        {
            if (await store.GetSourceAsync(key, ct) is null) return NotFound(key);
            var summary = await store.SummarizeAsync(key, clock.GetUtcNow(), ct);
            return Results.Json(new JsonObject
            {
                ["totalUsers"] = summary.TotalUsers,
                ["active30Days"] = summary.Active30Days,
                ["active90Days"] = summary.Active90Days,
                ["inactive"] = summary.Inactive,
                ["newThisMonth"] = summary.NewThisMonth,
                ["byDepartment"] = new JsonArray(summary.ByDepartment.Select(d => (JsonNode?)new JsonObject { ["department"] = d.Department, ["users"] = d.Users }).ToArray()),
                ["activityByMonth"] = new JsonArray(summary.ActivityByMonth.Select(m => (JsonNode?)new JsonObject { ["month"] = m.Month, ["users"] = m.Users }).ToArray()),
            });
        });
    }

    private static async Task<IResult> HandleAsync(Func<Task<IResult>> action)
    {
        try
        {
            return await action();
        }
        catch (CollectionRequestException e)
        {
            return e.Status == 422
                ? Problems.Validation(e.Message, [new { path = e.Path, message = e.Message }])
                : Problems.Result(e.Status, e.Status == 404 ? "Not found" : "Conflict", e.Message);
        }
        catch (TemplateException e)
        {
            return Problems.Validation(e.Message, e.Problems.Select(p => (object)new { path = p.Path, message = p.Message }).ToList());
        }
    }

    private static IResult NotFound(string key) => Problems.Result(404, "Not found", $"no collection connector '{key}'");

    private static JsonObject TemplateJson(string id, CollectionTemplate t)
    {
        var settings = new JsonArray(t.Parameters.Select(p => (JsonNode?)new JsonObject
        {
            ["name"] = p.Name, ["label"] = p.Label, ["secret"] = false, ["required"] = p.Required, ["default"] = p.Default, ["description"] = p.Description,
        }).ToArray());
        if (t.Auth.Kind == TemplateAuthKind.ApiKey)
            settings.Add(new JsonObject { ["name"] = "token", ["label"] = "API key", ["secret"] = true, ["required"] = true });
        else
        {
            settings.Add(new JsonObject { ["name"] = "clientId", ["label"] = "Client ID", ["secret"] = false, ["required"] = true });
            settings.Add(new JsonObject { ["name"] = "clientSecret", ["label"] = "Client secret", ["secret"] = true, ["required"] = true });
        }
        return new JsonObject
        {
            ["id"] = id,
            ["name"] = t.Name,
            ["vendor"] = t.Vendor,
            ["description"] = t.Description,
            ["auth"] = t.Auth.Kind == TemplateAuthKind.ApiKey ? "apiKey" : "oauth2ClientCredentials",
            ["pagination"] = TemplateReader.WireName(t.Pagination.Kind),
            ["usersUrl"] = t.UsersUrl,
            ["baseUrl"] = t.BaseUrl,
            ["settings"] = settings,
        };
    }

    private static async Task<JsonObject> SourceJsonAsync(CollectionSource source, CollectionService collections, ICollectionStore store, CancellationToken ct)
    {
        var last = (await store.ListRunsAsync(source.ConnectorKey, 1, ct)).FirstOrDefault();
        return new JsonObject
        {
            ["key"] = source.ConnectorKey,
            ["name"] = source.Name,
            ["vendor"] = source.Vendor,
            ["connectionId"] = source.ConnectionId,
            ["flowId"] = TemplateCompiler.CollectFlow,
            ["schedule"] = new JsonObject
            {
                ["enabled"] = source.ScheduleEnabled,
                ["time"] = source.ScheduleTime,
                ["timeZone"] = source.TimeZone,
                ["nextRunAt"] = (await collections.NextRunAsync(source.ConnectorKey, ct))?.ToString("O", CultureInfo.InvariantCulture),
                // Local time with its UTC offset: a DST change between two of them shows as a different offset.
                ["nextRuns"] = new JsonArray(new CollectionSchedule(source.ScheduleEnabled, source.ScheduleTime, source.TimeZone)
                    .Next(collections.Now, 3).Select(at => (JsonNode?)new JsonObject
                    {
                        ["local"] = at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                        ["utcOffset"] = at.ToString("zzz", CultureInfo.InvariantCulture),
                        ["utc"] = at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                    }).ToArray()),
            },
            ["suspiciousBelowPercent"] = source.SuspiciousBelowPercent,
            ["acceptedAt"] = source.AcceptedAt?.ToString("O", CultureInfo.InvariantCulture),
            ["running"] = collections.IsRunning(source.ConnectorKey),
            ["lastRun"] = last is null ? null : RunJson(last),
            ["createdAt"] = source.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        };
    }

    internal static JsonObject RunJson(CollectionRun run) => new()
    {
        ["id"] = run.Id,
        ["connector"] = run.ConnectorKey,
        ["trigger"] = run.Trigger,
        ["status"] = run.Status,
        ["startedAt"] = run.StartedAt.ToString("O", CultureInfo.InvariantCulture),
        ["finishedAt"] = run.FinishedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["pages"] = run.Pages,
        ["records"] = run.Records,
        ["inserted"] = run.Inserted,
        ["updated"] = run.Updated,
        ["filtered"] = run.Filtered,
        ["skipped"] = run.Skipped,
        ["users"] = run.Users,
        ["durationMs"] = run.DurationMs,
        ["error"] = run.Error,
        ["warning"] = run.Warning,
        ["confirmedAt"] = run.ConfirmedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["stoppedAt"] = run.StoppedAt,
    };

    private static JsonObject UserJson(StoredUser u) => new()
    {
        ["id"] = u.User.VendorId,
        ["email"] = u.User.Email,
        ["name"] = u.User.Name,
        ["department"] = u.User.Department,
        ["status"] = u.User.Status,
        ["created"] = u.User.CreatedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["lastActivity"] = u.User.LastActivityAt?.ToString("O", CultureInfo.InvariantCulture),
        ["application"] = u.User.Application,
        ["firstSeen"] = u.FirstSeenAt.ToString("O", CultureInfo.InvariantCulture),
        ["lastSeen"] = u.LastSeenAt.ToString("O", CultureInfo.InvariantCulture),
    };
}
