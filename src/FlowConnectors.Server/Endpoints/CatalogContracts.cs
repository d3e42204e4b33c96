using System.Text.Json.Nodes;
using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>GET /api/catalog: every connector in the catalog with its versions and what this server has installed and loaded.</summary>
internal sealed record CatalogListing(CatalogConnector[] Connectors);

internal sealed record CatalogConnector(string Key, string Name, string? InstalledVersion, string[] LoadedVersions, CatalogVersionResponse[] Versions);

/// <summary>A published version and its review status (submitted, approved, rejected with a reason).</summary>
internal sealed record CatalogVersionResponse(string Version, string Digest, string Status, string? Reason);

/// <summary>A submitted package; <c>diff</c> is the semantic diff against the previous version (see the catalog's semver rules).</summary>
internal sealed record CatalogPublished(string Key, string Version, string Digest, string Status, bool Created, string? PreviousVersion, DiffView? Diff);

internal sealed record CatalogVersionDetails(string Key, string Version, string Name, string Digest, string Status, string? Reason, CatalogFile[] Files,
    string? InstalledVersion, string? PreviousVersion);

internal sealed record CatalogFile(string Path, string Sha256);

/// <summary>The connector's recorded fixtures replayed offline.</summary>
internal sealed record CatalogTests(int Passed, int Failed, CatalogTestReport[] Reports);

internal sealed record CatalogTestReport(string File, string Description, bool Passed, string[] Differences);

/// <summary>POST /api/catalog/{key}/{version}/review: approved, or rejected with a reason.</summary>
internal sealed record CatalogReviewRequest : JsonRequest<CatalogReviewRequest>
{
    public string? Status { get; init; }
    public string? Reason { get; init; }
}

/// <summary>POST /api/catalog/{key}/{version}/install: an unapproved version only when asked for.</summary>
[OptionalBody]
internal sealed record CatalogInstallRequest : JsonRequest<CatalogInstallRequest>
{
    public bool? AllowUnapproved { get; init; }
}

internal sealed record CatalogInstalled(string Key, string Version, string Digest, string? PreviousVersion, string[] LoadedVersions, DiffView Diff, CatalogTests Tests);

/// <summary>POST /api/automations/{id}/connector-version: the loaded version to pin the connector's cards to, or null to unpin them.</summary>
internal sealed record ConnectorVersionRequest : JsonRequest<ConnectorVersionRequest>
{
    public string? Connector { get; init; }
    public string? Version { get; init; }
}

internal sealed record ConnectorVersionMoved(string AutomationId, string FlowId, int Version, string Connector, string[] MovedNodes);
