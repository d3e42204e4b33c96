using FlowConnectors.Connectors.Connections;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Connectors.Runtime;

public sealed class ConnectorRuntimeOptions
{
    public required IConnectionStore Connections { get; init; }
    public TimeProvider Clock { get; init; } = TimeProvider.System;
    /// <summary>
    /// Rewrites every URL the connector would call (base URL, token URLs, followed links) — the
    /// offline test runner points them at its stub on 127.0.0.1.
    /// </summary>
    public Func<Uri, Uri>? RewriteUrl { get; init; }
    /// <summary>Extra configuration of each connector's HTTP client (e.g. a recording handler).</summary>
    public Action<IHttpClientBuilder>? ConfigureHttpClient { get; init; }
    /// <summary>Which addresses connector calls may reach (the server passes its restricted policy); any when null.</summary>
    public Http.Network.NetworkPolicy? Network { get; init; }
    /// <summary>Rate-limit budgets; the server passes its database store so every node shares them.</summary>
    public Budgets.IRateBudgetStore Budgets { get; init; } = new Budgets.InMemoryRateBudgetStore();
    /// <summary>Token refresh leases; the server passes its database store so one node refreshes at a time.</summary>
    public IConnectionRefreshLeases RefreshLeases { get; init; } = new InMemoryRefreshLeases();
    /// <summary>
    /// A Connector.Action that would wait longer than this for its connection's budget suspends its instance
    /// durably (a Delay bookmark) instead of waiting in memory; null where nothing resumes a suspended instance.
    /// </summary>
    public TimeSpan? SuspendBudgetWaitsLongerThan { get; init; }
    /// <summary>Whether a new connection is tested (its <c>_authping</c>) as it is created, so its status is that result.</summary>
    public bool TestOnCreate { get; init; } = true;
    public long MaxSteps { get; init; } = 100_000;
    public bool Journal { get; init; } = true;
}

/// <summary>Why a connection test failed, or that it passed.</summary>
public sealed record ConnectionTestResult(bool Ok, string? Reason);

/// <summary>The items a polling card found since its cursor, and the cursor to keep.</summary>
public sealed record PollResult(System.Text.Json.Nodes.JsonArray Items, System.Text.Json.Nodes.JsonNode? Cursor, Engine.Runtime.FlowRunResult Run);

public sealed class ConnectorException(string message) : Exception(message);
