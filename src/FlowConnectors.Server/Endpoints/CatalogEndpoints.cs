using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Catalog;
using FlowConnectors.Connectors.Testing;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Runtime;

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
        var api = app.MapGroup("/api/catalog");

        api.MapGet("", (CatalogService catalog) => Guard(() => Results.Json(new
        {
            connectors = catalog.Catalog.List().Select(e => new
            {
                key = e.Key,
                name = e.Name,
                installedVersion = catalog.InstalledVersion(e.Key),
                loadedVersions = catalog.LoadedVersions(e.Key),
                versions = e.Versions.Select(Json),
            }),
        })));

        api.MapPost("/packages", async (HttpContext context, CatalogService catalog, ICatalogSubmitterStore submitters, TimeProvider clock) =>
        {
            var (bytes, problem) = await ReadPackageAsync(context);
            if (problem is not null) return problem;
            PublishResult? published = null;
            var answer = Guard(() =>
            {
                var package = CatalogPackage.Read(bytes, "the uploaded package");
                var result = catalog.Submit(package);
                published = result;
                return Results.Json(Published(result), statusCode: result.Created ? 201 : 200);
            });
            await RecordSubmitterAsync(context, published, submitters, clock);
            return answer;
        });

        api.MapGet("/export/{key}", async (string key, CatalogService catalog, CancellationToken ct) =>
            await GuardAsync(async () =>
            {
                var package = await catalog.ExportAsync(key, ct);
                return Results.File(package.ToBytes(), ZipType, package.DefaultFileName);
            }));

        api.MapPost("/export/{key}/submit", async (string key, HttpContext context, CatalogService catalog, ICatalogSubmitterStore submitters, TimeProvider clock, CancellationToken ct) =>
        {
            PublishResult? published = null;
            var answer = await GuardAsync(async () =>
            {
                var result = catalog.Submit(await catalog.ExportAsync(key, ct));
                published = result;
                return Results.Json(Published(result), statusCode: result.Created ? 201 : 200);
            });
            await RecordSubmitterAsync(context, published, submitters, clock);
            return answer;
        });

        api.MapPost("/installed/{key}/test", async (string key, CatalogService catalog, CancellationToken ct) =>
            await GuardAsync(async () => Results.Json(Tests(await catalog.TestInstalledAsync(key, ct)))));

        api.MapGet("/{key}/package", (string key, string? version, bool? includeUnapproved, CatalogService catalog) => Guard(() =>
        {
            CheckVersion(version);
            var package = catalog.Catalog.Get(key, version, approvedOnly: includeUnapproved != true);
            return Results.File(package.ToBytes(), ZipType, package.DefaultFileName);
        }));

        api.MapGet("/{key}/{version}", (string key, string version, CatalogService catalog) => Guard(() =>
        {
            CheckVersion(version);
            var package = catalog.Catalog.Get(key, version, approvedOnly: false);
            var entry = catalog.Catalog.Find(key)!;
            var previous = VersionRules.PreviousOf(version, entry.Versions.Select(v => v.Version));
            return Results.Json(new
            {
                key,
                version,
                name = package.Name,
                digest = package.Digest,
                status = entry.Versions.First(v => v.Version == version).Status,
                reason = entry.Versions.First(v => v.Version == version).Reason,
                files = package.FileHashes.Select(f => new { path = f.Key, sha256 = f.Value }),
                installedVersion = catalog.InstalledVersion(key),
                previousVersion = previous,
            });
        }));

        api.MapPost("/{key}/{version}/review", async (string key, string version, HttpRequest request, CatalogService catalog, ServerOptions options,
            ICatalogSubmitterStore submitters) =>
        {
            var (body, problem) = await Problems.ReadJsonObjectAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            var status = JsonFields.Text(body!, "status");
            if (status is not (ReviewStatus.Approved or ReviewStatus.Rejected))
                return Problems.Validation("a review needs 'status': approved or rejected", [new { path = "$.status", message = "must be approved or rejected" }]);
            var reason = JsonFields.Text(body!, "reason");
            if (status == ReviewStatus.Rejected && string.IsNullOrWhiteSpace(reason))
                return Problems.Validation("a rejection needs a reason", [new { path = "$.reason", message = "required when rejecting" }]);
            // Four eyes: whoever submitted a version through the API does not approve it (FlowConnectors:Access:AllowSelfApproval aside).
            if (status == ReviewStatus.Approved && !options.Access.AllowSelfApproval && request.HttpContext.User.UserId() is { } reviewer
                && await submitters.FindAsync(key, version) == reviewer)
                return Problems.Result(StatusCodes.Status403Forbidden, "Self-approval refused",
                    $"{key}@{version} was submitted by you; another catalog reviewer approves it");
            return Guard(() => Results.Json(Json(catalog.Catalog.Review(key, version, status, reason))));
        });

        // ?from=installed (the default when the connector is installed) or ?from=<version>: what moving to this version changes.
        api.MapGet("/{key}/{version}/diff", (string key, string version, string? from, CatalogService catalog) => Guard(() =>
        {
            CheckVersion(version);
            var package = catalog.Catalog.Get(key, version, approvedOnly: false);
            from ??= catalog.InstalledVersion(key) is not null ? "installed" : VersionRules.PreviousOf(version, catalog.Catalog.Find(key)!.Versions.Select(v => v.Version));
            ConnectorDiff diff;
            if (from == "installed") diff = catalog.DiffFromInstalled(package);
            else if (from is null) diff = SemanticDiff.Compare(new ConnectorSnapshot(null, new Dictionary<string, FlowDefinition>()), ConnectorSnapshot.FromPackage(package));
            else
            {
                CheckVersion(from);
                diff = SemanticDiff.Compare(ConnectorSnapshot.FromPackage(catalog.Catalog.Get(key, from, approvedOnly: false)), ConnectorSnapshot.FromPackage(package));
            }
            var result = diff.ToJson();
            result["from"] = from == "installed" ? $"installed {catalog.InstalledVersion(key)}" : from;
            result["to"] = version;
            return Results.Json(result);
        }));

        api.MapPost("/{key}/{version}/install", async (string key, string version, HttpRequest request, CatalogService catalog, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonObjectAsync(request, options.MaxBodyBytes, required: false);
            if (problem is not null) return problem;
            var allowUnapproved = body?["allowUnapproved"] is JsonValue v && v.TryGetValue(out bool b) && b;
            return await GuardAsync(async () =>
            {
                CheckVersion(version);
                var result = await catalog.InstallAsync(key, version, allowUnapproved, ct);
                return Results.Json(new
                {
                    key,
                    version,
                    digest = result.Package.Digest,
                    previousVersion = result.PreviousVersion,
                    loadedVersions = catalog.LoadedVersions(key),
                    diff = result.Diff.ToJson(),
                    tests = Tests(result.Tests),
                });
            });
        });

        // Two versions of a flow as stored by the server (the designer's flow history).
        app.MapGet("/api/flows/{id}/diff", async (string id, int from, int to, IFlowStore flows, CancellationToken ct) =>
        {
            var a = await flows.GetAsync(id, from, ct);
            var b = await flows.GetAsync(id, to, ct);
            if (a is null || b is null) return Problems.Result(404, "Not found", $"flow '{id}' has no version {(a is null ? from : to)}");
            return Guard(() =>
            {
                var diff = SemanticDiff.CompareFlows(ConnectorSnapshot.LoadFlow(a.Json, $"{id} v{from}"), ConnectorSnapshot.LoadFlow(b.Json, $"{id} v{to}"));
                var result = diff.ToJson();
                result["from"] = from;
                result["to"] = to;
                return Results.Json(result);
            });
        });

        // Moves an automation's pinned connector cards to another loaded version (or unpins them with "version": null).
        app.MapPost("/api/automations/{id}/connector-version", async (string id, HttpRequest request, IAutomationStore automations, IFlowStore flows,
            TriggerRegistry triggers, WorkflowHost host, CatalogService catalog, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await Problems.ReadJsonObjectAsync(request, options.MaxBodyBytes);
            if (problem is not null) return problem;
            if (JsonFields.Text(body!, "connector") is not { Length: > 0 } connector)
                return Problems.Validation("'connector' is required", [new { path = "$.connector", message = "required" }]);
            var version = JsonFields.Text(body!, "version");
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
            if (moved.Count == 0) return Results.Json(new { automationId = id, flowId = flow.Id, version = stored.Version, connector = target, movedNodes = moved });
            var saved = await StartupLoader.SaveAndPublishAsync(flow, null, flows, triggers);
            host.FlowPublished(flow.Id);
            return Results.Json(new { automationId = id, flowId = flow.Id, version = saved.Version, connector = target, movedNodes = moved });
        });
    }

    /// <summary>Remembers who submitted a version, so they cannot approve it themselves.</summary>
    private static async Task RecordSubmitterAsync(HttpContext context, PublishResult? published, ICatalogSubmitterStore submitters, TimeProvider clock)
    {
        if (published is not null && context.User.UserId() is { } userId)
            await submitters.RecordAsync(published.Version.Key, published.Version.Version, userId, clock.GetUtcNow());
    }

    private static async Task<(byte[] Bytes, IResult? Problem)> ReadPackageAsync(HttpContext context)
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

    private static object Json(CatalogVersion v) => new { version = v.Version, digest = v.Digest, status = v.Status, reason = v.Reason };

    private static object Published(PublishResult r) => new
    {
        key = r.Version.Key,
        version = r.Version.Version,
        digest = r.Version.Digest,
        status = r.Version.Status,
        created = r.Created,
        previousVersion = r.Previous,
        diff = r.Diff?.ToJson(),
    };

    private static object Tests(IReadOnlyList<FixtureReport> reports) => new
    {
        passed = reports.Count(r => r.Passed),
        failed = reports.Count(r => !r.Passed),
        reports = reports.Select(r => new { file = r.File, description = r.Description, passed = r.Passed, differences = r.Differences }),
    };

    private static IResult Guard(Func<IResult> action)
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

    private static async Task<IResult> GuardAsync(Func<Task<IResult>> action)
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

    private static IResult Refusal(CatalogException e)
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
        return Problems.Result(status, title, e.Message, e.Details);
    }
}
