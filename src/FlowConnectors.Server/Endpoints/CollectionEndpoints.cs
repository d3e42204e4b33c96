using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Collection;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Data collection: the shipped templates, connectors added from them (with connection and
/// schedule), import runs and their progress, and the collected users (table, indicators, charts).
/// </summary>
internal static class CollectionEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/collection").WithTags("Collection").ProducesAccessProblems();

        api.MapGet("/templates", (CollectionService collections) =>
            TypedResults.Ok(collections.ListTemplates().Select(t => TemplateJson(t.Id, t.Template)).ToArray()))
            .WithName("ListCollectionTemplates");
        // The template as shipped, its file's JSON as it is (schemas/collection-template.schema.json describes it).
        api.MapGet("/templates/{id}", Results<Ok<JsonObject>, ProblemHttpResult> (string id, CollectionService collections) =>
            collections.ListTemplates().FirstOrDefault(t => t.Id == id) is { Template: not null } found
                ? TypedResults.Ok(found.Json)
                : Problems.Result(404, "Not found", $"no template '{id}'"))
            .ProducesFormat(FormatMetadata.CollectionTemplate).WithName("GetCollectionTemplate").ProducesProblem(404);

        // One page of a template that is not saved yet: the designer's Test button. The service's reader checks the
        // body member by member (unknown members too), naming the JSON path, so it reads the JSON object itself; the
        // answer is the service's typed result as it is.
        api.MapPost("/templates/test", async Task<Results<Ok<CollectionTemplateTestResult>, ProblemHttpResult>> (HttpRequest request, CollectionService collections, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            return await HandleAsync(async () => TypedResults.Ok(await collections.TestTemplateAsync(body!, ct)));
        }).DocumentsBody<CollectionTemplateTestRequest>().WithName("TestCollectionTemplate").ProducesBodyProblems().ProducesProblems(404, 409);

        api.MapGet("/sources", async Task<Ok<CollectionSourceResponse[]>> (CollectionService collections, ICollectionStore store, CancellationToken ct) =>
        {
            var list = new List<CollectionSourceResponse>();
            foreach (var source in await store.ListSourcesAsync(ct)) list.Add(await SourceJsonAsync(source, collections, store, ct));
            return TypedResults.Ok(list.ToArray());
        }).WithName("ListCollectionSources");
        api.MapGet("/sources/{key}", async Task<Results<Ok<CollectionSourceResponse>, ProblemHttpResult>> (string key, CollectionService collections, ICollectionStore store, CancellationToken ct) =>
            await store.GetSourceAsync(key, ct) is { } source
                ? TypedResults.Ok(await SourceJsonAsync(source, collections, store, ct))
                : NotFound(key))
            .WithName("GetCollectionSource").ProducesProblem(404);
        api.MapPost("/sources", async Task<Results<Created<CollectionSourceResponse>, ProblemHttpResult>> (HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            return await HandleAsync(async () =>
            {
                var source = await SourceJsonAsync(await collections.AddAsync(body!, ct), collections, store, ct);
                return TypedResults.Created($"/api/collection/sources/{source.Key}", source);
            });
        }).DocumentsBody<CollectionSourceRequest>().WithName("AddCollectionSource").ProducesBodyProblems().ProducesProblem(409);
        api.MapPut("/sources/{key}/schedule", async Task<Results<Ok<CollectionSourceResponse>, ProblemHttpResult>> (string key, HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            return await HandleAsync(async () => TypedResults.Ok(await SourceJsonAsync(await collections.UpdateScheduleAsync(key, body, ct), collections, store, ct)));
        }).DocumentsBody<CollectionScheduleRequest>().WithName("SetCollectionSchedule").ProducesBodyProblems().ProducesProblem(404);
        api.MapPut("/sources/{key}/guard", async Task<Results<Ok<CollectionSourceResponse>, ProblemHttpResult>> (string key, HttpRequest request, CollectionService collections, ICollectionStore store, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            return await HandleAsync(async () => TypedResults.Ok(await SourceJsonAsync(await collections.UpdateGuardAsync(key, body, ct), collections, store, ct)));
        }).DocumentsBody<CollectionGuardRequest>().WithName("SetCollectionGuard").ProducesBodyProblems().ProducesProblem(404);
        api.MapDelete("/sources/{key}", (string key, CollectionService collections, CancellationToken ct) =>
            HandleAsync<NoContent>(async () =>
            {
                await collections.DeleteAsync(key, ct);
                return TypedResults.NoContent();
            })).WithName("DeleteCollectionSource").ProducesProblems(404, 409);

        api.MapPost("/sources/{key}/runs", (string key, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => TypedResults.Accepted((string?)null, CollectionRunResponse.Of(await collections.StartRunAsync(key, "manual", ct)))))
            .WithName("StartCollectionRun").ProducesProblems(404, 409);
        api.MapGet("/sources/{key}/runs", async Task<Results<Ok<CollectionRunResponse[]>, ProblemHttpResult>> (string key, int? limit, ICollectionStore store, CancellationToken ct) =>
            Paging.CountRefusal("limit", limit, max: 1000) is { } refusal
                ? refusal
                : await store.GetSourceAsync(key, ct) is null
                    ? NotFound(key)
                    : TypedResults.Ok((await store.ListRunsAsync(key, limit ?? 50, ct)).Select(CollectionRunResponse.Of).ToArray()))
            .WithName("ListCollectionRuns").ProducesProblems(404, 422);
        api.MapGet("/runs/{id}", async Task<Results<Ok<CollectionRunResponse>, ProblemHttpResult>> (string id, ICollectionStore store, CancellationToken ct) =>
            await store.GetRunAsync(id, ct) is { } run ? TypedResults.Ok(CollectionRunResponse.Of(run)) : Problems.Result(404, "Not found", $"no import run '{id}'"))
            .WithName("GetCollectionRun").ProducesProblem(404);
        api.MapPost("/runs/{id}/cancel", (string id, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => TypedResults.Ok(CollectionRunResponse.Of(await collections.CancelRunAsync(id, ct)))))
            .WithName("CancelCollectionRun").ProducesProblems(404, 409);
        api.MapPost("/runs/{id}/confirm", (string id, CollectionService collections, CancellationToken ct) =>
            HandleAsync(async () => TypedResults.Ok(CollectionRunResponse.Of(await collections.ConfirmRunAsync(id, ct)))))
            .WithName("ConfirmCollectionRun").ProducesProblems(404, 409);

        api.MapGet("/sources/{key}/users", async Task<Results<Ok<CollectedUserPage>, ProblemHttpResult>> (string key, string? sort, string? dir, string? search, string? department,
            string? status, string? page, string? pageSize, ICollectionStore store, CancellationToken ct) =>
        {
            if (await store.GetSourceAsync(key, ct) is null) return NotFound(key);
            sort ??= "name";
            if (!UserQuery.SortFields.Contains(sort))
                return Problems.Validation($"sort must be one of {string.Join(", ", UserQuery.SortFields)}", [new { path = "sort", message = $"unknown sort field '{sort}'" }]);
            var errors = new List<object>();
            int Number(string name, string? text, int fallback, int min, int max)
            {
                if (text is null) return fallback;
                if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max) return n;
                errors.Add(new { path = name, message = $"{name} must be a whole number from {min} to {max}" });
                return fallback;
            }
            var query = new UserQuery
            {
                Sort = sort,
                Descending = dir == "desc",
                Search = search,
                Department = department,
                Status = status,
                Page = Number("page", page, 1, 1, 1_000_000),
                PageSize = Number("pageSize", pageSize, 25, 1, 500),
            };
            if (errors.Count > 0) return Problems.Validation("invalid paging", errors);
            var found = await store.QueryUsersAsync(key, query, ct);
            return TypedResults.Ok(new CollectedUserPage(found.Total, found.Page, found.PageSize, [.. found.Items.Select(CollectedUserResponse.Of)]));
        }).WithName("ListCollectedUsers").ProducesProblems(404, 422);
        api.MapGet("/sources/{key}/summary", async Task<Results<Ok<CollectionSummaryResponse>, ProblemHttpResult>> (string key, ICollectionStore store, TimeProvider clock, CancellationToken ct) =>
        {
            if (await store.GetSourceAsync(key, ct) is null) return NotFound(key);
            var summary = await store.SummarizeAsync(key, clock.GetUtcNow(), ct);
            return TypedResults.Ok(new CollectionSummaryResponse(summary.TotalUsers, summary.Active30Days, summary.Active90Days, summary.Inactive, summary.NewThisMonth,
                [.. summary.ByDepartment.Select(d => new DepartmentCount(d.Department, d.Users))],
                [.. summary.ActivityByMonth.Select(m => new MonthCount(m.Month, m.Users))]));
        }).WithName("GetCollectionSummary").ProducesProblem(404);
    }

    /// <summary>The body as a JSON object; anything else is refused with the path.</summary>
    private static async Task<(JsonObject? Body, ProblemHttpResult? Problem)> ReadObjectAsync(HttpRequest request, ServerOptions options)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
        if (problem is not null) return (null, problem);
        if (body is not JsonObject o) return (null, Problems.Validation("the body must be a JSON object", [new { path = "$", message = "not an object" }]));
        return (o, null);
    }

    private static async Task<Results<T, ProblemHttpResult>> HandleAsync<T>(Func<Task<T>> action) where T : IResult
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

    private static ProblemHttpResult NotFound(string key) => Problems.Result(404, "Not found", $"no collection connector '{key}'");

    private static CollectionTemplateSummary TemplateJson(string id, CollectionTemplate t)
    {
        var settings = t.Parameters.Select(p => new CollectionTemplateSetting(p.Name, p.Label, false, p.Required, p.Default, p.Description)).ToList();
        if (t.Auth.Kind == TemplateAuthKind.ApiKey)
            settings.Add(new CollectionTemplateSetting("token", "API key", true, true));
        else
        {
            settings.Add(new CollectionTemplateSetting("clientId", "Client ID", false, true));
            settings.Add(new CollectionTemplateSetting("clientSecret", "Client secret", true, true));
        }
        return new CollectionTemplateSummary(id, t.Name, t.Vendor, t.Description, t.Auth.Kind == TemplateAuthKind.ApiKey ? "apiKey" : "oauth2ClientCredentials",
            TemplateReader.WireName(t.Pagination.Kind), t.UsersUrl, t.BaseUrl, [.. settings]);
    }

    private static async Task<CollectionSourceResponse> SourceJsonAsync(CollectionSource source, CollectionService collections, ICollectionStore store, CancellationToken ct)
    {
        var last = (await store.ListRunsAsync(source.ConnectorKey, 1, ct)).FirstOrDefault();
        var schedule = new CollectionScheduleResponse(source.ScheduleEnabled, source.ScheduleTime, source.TimeZone,
            (await collections.NextRunAsync(source.ConnectorKey, ct))?.ToString("O", CultureInfo.InvariantCulture),
            // Local time with its UTC offset: a DST change between two of them shows as a different offset.
            [.. collections.NextOccurrences(source, 3).Select(at => new CollectionNextRun(
                at.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture),
                at.ToString("zzz", CultureInfo.InvariantCulture),
                at.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)))]);
        return new CollectionSourceResponse(source.ConnectorKey, source.Name, source.Vendor, source.ConnectionId, TemplateCompiler.CollectFlow, schedule,
            source.SuspiciousBelowPercent, source.AcceptedAt?.ToString("O", CultureInfo.InvariantCulture), collections.IsRunning(source.ConnectorKey),
            last is null ? null : CollectionRunResponse.Of(last), source.CreatedAt.ToString("O", CultureInfo.InvariantCulture));
    }
}
