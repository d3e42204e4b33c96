using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// The shared catalog through the API: submit packages (or export and submit an installed connector),
/// browse, review (approve / reject with a reason), download, diff, install or upgrade, and move
/// automations pinned to a connector version.
/// </summary>
internal static class CatalogEndpoints
{
    private const string ZipType = "application/zip";

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/catalog").WithTags("Catalog").ProducesAccessProblems();

        api.MapGet("", async (CatalogService catalog, CancellationToken ct) => await GuardAsync(async () => TypedResults.Ok(new CatalogListing(
            [.. (await catalog.Catalog.ListAsync(ct)).Select(e => new CatalogConnector(e.Key, e.Name, catalog.InstalledVersion(e.Key), [.. catalog.LoadedVersions(e.Key)], [.. e.Versions.Select(Json)]))]))))
            .WithName("ListCatalog").ProducesCatalogProblems();

        api.MapPost("/packages", async Task<Results<Created<CatalogPublished>, Ok<CatalogPublished>, ProblemHttpResult>> (HttpContext context, CatalogService catalog, ICatalogSubmitterStore submitters, TimeProvider clock, CancellationToken ct) =>
        {
            var (bytes, problem) = await ReadPackageAsync(context);
            if (problem is not null) return problem;
            PublishResult? published = null;
            Results<Created<CatalogPublished>, Ok<CatalogPublished>, ProblemHttpResult> answer;
            try
            {
                published = await catalog.SubmitAsync(CatalogPackage.Read(bytes, "the uploaded package"), ct);
                answer = Published(published);
            }
            catch (CatalogException e) { answer = Refusal(e); }
            await RecordSubmitterAsync(context, published, submitters, clock);
            return answer;
        }).DocumentsBinaryBody(ZipType, "application/octet-stream").WithName("SubmitCatalogPackage").ProducesCatalogProblems()
            .ProducesProblems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType);

        api.MapGet("/export/{key}", async (string key, CatalogService catalog, CancellationToken ct) =>
            await GuardAsync(async () =>
            {
                var package = await catalog.ExportAsync(key, ct);
                return TypedResults.File(package.ToBytes(), ZipType, package.DefaultFileName);
            })).Produces<byte[]>(StatusCodes.Status200OK, ZipType).WithName("ExportConnector").ProducesCatalogProblems();

        api.MapPost("/export/{key}/submit", async Task<Results<Created<CatalogPublished>, Ok<CatalogPublished>, ProblemHttpResult>> (string key, HttpContext context, CatalogService catalog, ICatalogSubmitterStore submitters, TimeProvider clock, CancellationToken ct) =>
        {
            PublishResult? published = null;
            Results<Created<CatalogPublished>, Ok<CatalogPublished>, ProblemHttpResult> answer;
            try
            {
                published = await catalog.SubmitAsync(await catalog.ExportAsync(key, ct), ct);
                answer = Published(published);
            }
            catch (CatalogException e) { answer = Refusal(e); }
            await RecordSubmitterAsync(context, published, submitters, clock);
            return answer;
        }).WithName("ExportAndSubmitConnector").ProducesCatalogProblems();

        api.MapPost("/installed/{key}/test", async (string key, CatalogService catalog, CancellationToken ct) =>
            await GuardAsync(async () => TypedResults.Ok(Tests(await catalog.TestInstalledAsync(key, ct)))))
            .WithName("TestInstalledConnector").ProducesCatalogProblems();

        api.MapGet("/{key}/package", async (string key, string? version, bool? includeUnapproved, CatalogService catalog, CancellationToken ct) => await GuardAsync(async () =>
        {
            CheckVersion(version);
            var package = await catalog.Catalog.GetAsync(key, version, approvedOnly: includeUnapproved != true, ct);
            return TypedResults.File(package.ToBytes(), ZipType, package.DefaultFileName);
        })).Produces<byte[]>(StatusCodes.Status200OK, ZipType).WithName("DownloadCatalogPackage").ProducesCatalogProblems();

        api.MapGet("/{key}/{version}", async (string key, string version, CatalogService catalog, CancellationToken ct) => await GuardAsync(async () =>
        {
            CheckVersion(version);
            var package = await catalog.Catalog.GetAsync(key, version, approvedOnly: false, ct);
            var entry = (await catalog.Catalog.FindAsync(key, ct))!;
            var previous = VersionRules.PreviousOf(version, entry.Versions.Select(v => v.Version));
            var listed = entry.Versions.First(v => v.Version == version);
            return TypedResults.Ok(new CatalogVersionDetails(key, version, package.Name, package.Digest, listed.Status, listed.Reason,
                [.. package.FileHashes.Select(f => new CatalogFile(f.Key, f.Value))], catalog.InstalledVersion(key), previous));
        })).WithName("GetCatalogVersion").ProducesCatalogProblems();

        api.MapPost("/{key}/{version}/review", async Task<Results<Ok<CatalogVersionResponse>, ProblemHttpResult>> (string key, string version, CatalogReviewRequest body, HttpRequest request, CatalogService catalog, ServerOptions options,
            ICatalogSubmitterStore submitters, CancellationToken ct) =>
        {
            var status = body.Status;
            if (status is not (ReviewStatus.Approved or ReviewStatus.Rejected))
                return Problems.Validation("a review needs 'status': approved or rejected", [new { path = "$.status", message = "must be approved or rejected" }]);
            var reason = body.Reason;
            if (status == ReviewStatus.Rejected && string.IsNullOrWhiteSpace(reason))
                return Problems.Validation("a rejection needs a reason", [new { path = "$.reason", message = "required when rejecting" }]);
            // Four eyes: whoever submitted a version through the API does not approve it (FlowConnectors:Access:AllowSelfApproval aside).
            if (status == ReviewStatus.Approved && !options.Access.AllowSelfApproval && request.HttpContext.User.UserId() is { } reviewer
                && await submitters.FindAsync(key, version) == reviewer)
                return Problems.Result(StatusCodes.Status403Forbidden, "Self-approval refused",
                    $"{key}@{version} was submitted by you; another catalog reviewer approves it");
            return await GuardAsync(async () => TypedResults.Ok(Json(await catalog.Catalog.ReviewAsync(key, version, status, reason, ct))));
        }).WithName("ReviewCatalogVersion").ProducesBodyProblems().ProducesCatalogProblems();

        // ?from=installed (the default when the connector is installed) or ?from=<version>: what moving to this version changes.
        api.MapGet("/{key}/{version}/diff", async (string key, string version, string? from, CatalogService catalog, CancellationToken ct) => await GuardAsync(async () =>
        {
            CheckVersion(version);
            var package = await catalog.Catalog.GetAsync(key, version, approvedOnly: false, ct);
            from ??= catalog.InstalledVersion(key) is not null ? "installed" : VersionRules.PreviousOf(version, (await catalog.Catalog.FindAsync(key, ct))!.Versions.Select(v => v.Version));
            ConnectorDiff diff;
            if (from == "installed") diff = catalog.DiffFromInstalled(package);
            else if (from is null) diff = SemanticDiff.Compare(new ConnectorSnapshot(null, new Dictionary<string, FlowDefinition>()), ConnectorSnapshot.FromPackage(package));
            else
            {
                CheckVersion(from);
                diff = SemanticDiff.Compare(ConnectorSnapshot.FromPackage(await catalog.Catalog.GetAsync(key, from, approvedOnly: false, ct)), ConnectorSnapshot.FromPackage(package));
            }
            return TypedResults.Ok(CatalogDiffResponse.Of(diff, from == "installed" ? $"installed {catalog.InstalledVersion(key)}" : from, version));
        })).WithName("DiffCatalogVersion").ProducesCatalogProblems();

        api.MapPost("/{key}/{version}/install", async Task<Results<Ok<CatalogInstalled>, ProblemHttpResult>> (string key, string version, CatalogInstallRequest body, CatalogService catalog, CancellationToken ct) =>
        {
            var allowUnapproved = body.AllowUnapproved == true;
            return await GuardAsync(async () =>
            {
                CheckVersion(version);
                var result = await catalog.InstallAsync(key, version, allowUnapproved, ct);
                return TypedResults.Ok(new CatalogInstalled(key, version, result.Package.Digest, result.PreviousVersion, [.. catalog.LoadedVersions(key)],
                    DiffView.Of(result.Diff), Tests(result.Tests)));
            });
        }).WithName("InstallCatalogVersion").ProducesBodyProblems().ProducesCatalogProblems();

        // Two versions of a flow as stored by the server (the designer's flow history).
        app.MapGet("/api/flows/{id}/diff", async Task<Results<Ok<FlowDiffResponse>, ProblemHttpResult>> (string id, int from, int to, IFlowStore flows, CancellationToken ct) =>
        {
            var a = await flows.GetAsync(id, from, ct);
            var b = await flows.GetAsync(id, to, ct);
            if (a is null || b is null) return Problems.Result(404, "Not found", $"flow '{id}' has no version {(a is null ? from : to)}");
            return Guard(() =>
            {
                var diff = SemanticDiff.CompareFlows(ConnectorSnapshot.LoadFlow(a.Json, $"{id} v{from}"), ConnectorSnapshot.LoadFlow(b.Json, $"{id} v{to}"));
                return TypedResults.Ok(FlowDiffResponse.Of(diff, from, to));
            });
        }).WithTags("Flows").WithName("DiffFlowVersions").ProducesAccessProblems().ProducesCatalogProblems();

        // Moves an automation's pinned connector cards to another loaded version (or unpins them with "version": null).
        app.MapPost("/api/automations/{id}/connector-version", async Task<Results<Ok<ConnectorVersionMoved>, ProblemHttpResult>> (string id, ConnectorVersionRequest body, IAutomationStore automations, IFlowStore flows,
            TriggerRegistry triggers, WorkflowHost host, CatalogService catalog, CancellationToken ct) =>
        {
            if (body.Connector is not { Length: > 0 } connector)
                return Problems.Validation("'connector' is required", [new { path = "$.connector", message = "required" }]);
            var version = body.Version;
            if (version is not null && !catalog.LoadedVersions(connector).Contains(version))
                return Problems.Result(409, "Version not loaded", $"{connector}@{version} is not loaded on this server (loaded: {string.Join(", ", catalog.LoadedVersions(connector))})");
            if (await automations.GetAsync(id, ct) is not { } automation) return Problems.Result(404, "Not found", $"automation '{id}' does not exist");
            if ((await flows.GetPublishedAsync(automation.FlowId, ct) ?? await flows.GetAsync(automation.FlowId, null, ct)) is not { } stored)
                return Problems.Result(404, "Not found", $"flow '{automation.FlowId}' does not exist");
            var flow = FlowJson.Parse(stored.Json);
            var target = version is null ? connector : $"{connector}@{version}";
            var moved = new List<string>();
            foreach (var node in flow.Nodes.Where(n => n.Type is "Connector.Action" or "Connector.Event"))
                if (node.Inputs.GetValueOrDefault("connector") is JsonValue value && value.TryGetValue(out string? current) &&
                    (current == connector || current.StartsWith(connector + "@", StringComparison.Ordinal)) && current != target)
                {
                    node.Inputs["connector"] = target;
                    moved.Add(node.Id);
                }
            if (moved.Count == 0) return TypedResults.Ok(new ConnectorVersionMoved(id, flow.Id, stored.Version, target, [.. moved]));
            var saved = await StartupLoader.SaveAndPublishAsync(flow, null, flows, triggers);
            host.FlowPublished(flow.Id);
            return TypedResults.Ok(new ConnectorVersionMoved(id, flow.Id, saved.Version, target, [.. moved]));
        }).WithTags("Automations").WithName("MoveAutomationConnectorVersion").ProducesAccessProblems().ProducesBodyProblems().ProducesProblems(404, 409);
    }

    /// <summary>Remembers who submitted a version, so they cannot approve it themselves.</summary>
    private static async Task RecordSubmitterAsync(HttpContext context, PublishResult? published, ICatalogSubmitterStore submitters, TimeProvider clock)
    {
        if (published is not null && context.User.UserId() is { } userId)
            await submitters.RecordAsync(published.Version.Key, published.Version.Version, userId, clock.GetUtcNow());
    }

    private static async Task<(byte[] Bytes, ProblemHttpResult? Problem)> ReadPackageAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentType is not { } type || !(type.StartsWith(ZipType, StringComparison.OrdinalIgnoreCase) || type.StartsWith("application/octet-stream", StringComparison.OrdinalIgnoreCase)))
            return ([], Problems.Result(415, "Unsupported media type", $"send the package as {ZipType}, not {request.ContentType ?? "no content type"}"));
        // Packages may be larger than a JSON request; they have their own limit.
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, CatalogPackage.MaxBytes);
        if (tooLarge) return ([], Problems.Result(413, "Package too large", $"a package may be at most {CatalogPackage.MaxBytes:N0} bytes"));
        if (bytes.Length == 0) return ([], Problems.Result(400, "Body required", "the request needs the package (a .fcpkg file) as its body"));
        return (bytes, null);
    }

    private static void CheckVersion(string? version)
    {
        if (version is not null && !VersionRules.IsSemver(version))
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"version '{version}' is not a semantic version (e.g. 1.2.3)");
    }

    private static CatalogVersionResponse Json(CatalogVersion v) => new(v.Version, v.Digest, v.Status, v.Reason);

    /// <summary>201 for a new version, 200 when the same package was submitted before.</summary>
    private static Results<Created<CatalogPublished>, Ok<CatalogPublished>, ProblemHttpResult> Published(PublishResult r)
    {
        var published = new CatalogPublished(r.Version.Key, r.Version.Version, r.Version.Digest, r.Version.Status, r.Created, r.Previous, r.Diff is null ? null : DiffView.Of(r.Diff));
        return r.Created ? TypedResults.Created((string?)null, published) : TypedResults.Ok(published);
    }

    private static CatalogTests Tests(IReadOnlyList<FixtureReport> reports) => new(reports.Count(r => r.Passed), reports.Count(r => !r.Passed),
        [.. reports.Select(r => new CatalogTestReport(r.File, r.Description, r.Passed, [.. r.Differences]))]);

    /// <summary>What a catalog refusal answers (see <see cref="Refusal"/>).</summary>
    private static RouteHandlerBuilder ProducesCatalogProblems(this RouteHandlerBuilder builder) => builder.ProducesProblems(400, 404, 409, 422, 503);

    private static Results<T, ProblemHttpResult> Guard<T>(Func<T> action) where T : IResult
    {
        try
        {
            return action();
        }
        catch (CatalogException e)
        {
            return Refusal(e);
        }
    }

    private static async Task<Results<T, ProblemHttpResult>> GuardAsync<T>(Func<Task<T>> action) where T : IResult
    {
        try
        {
            return await action();
        }
        catch (CatalogException e)
        {
            return Refusal(e);
        }
    }

    private static ProblemHttpResult Refusal(CatalogException e)
    {
        var (status, title) = e.Kind switch
        {
            CatalogErrorKind.NotFound => (404, "Not found"),
            CatalogErrorKind.Immutable => (409, "Version already published"),
            CatalogErrorKind.Breaking => (422, "Breaking changes need a major version"),
            CatalogErrorKind.TestsFailed => (422, "Offline tests fail"),
            CatalogErrorKind.CorruptCatalog => (503, "Catalog corrupt"),
            _ => (400, "Invalid package"),
        };
        var problem = Problems.Result(status, title, e.Message);
        // One line per breaking change, failed test or package problem: they name no JSON path, so they are not errors[].
        if (e.Details.Count > 0) problem.ProblemDetails.Extensions["details"] = e.Details;
        return problem;
    }
}
