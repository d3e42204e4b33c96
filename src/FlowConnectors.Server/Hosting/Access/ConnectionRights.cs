using Microsoft.AspNetCore.Http.HttpResults;
using System.Security.Claims;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence.Identity;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>What a user may do with one connection: nothing (it is not even listed), use it, or manage it.</summary>
internal enum ConnectionRight
{
    None,
    /// <summary>Run flows, automations and tests with it; see its name, connector and health, never its values.</summary>
    Use,
    /// <summary>Also see its values, edit, authorize, deauthorize, delete and share it.</summary>
    Manage,
}

/// <summary>
/// A connection has an owner and shares, each to a user or a role, to use or to manage it. Owners and admins manage
/// every connection. A connection stored before connections had owners belongs to the installation's owner and is
/// shared as its roles allowed before: operators manage it, editors, viewers and catalog reviewers use it. A share
/// never grants more than the user's roles: a viewer with a use share still cannot run anything.
/// </summary>
internal sealed class ConnectionRights(IConnectionAccessStore store, IServiceScopeFactory scopes)
{
    private static readonly AsyncLocal<ClaimsPrincipal?> TestRunCaller = new();

    /// <summary>The shares a connection stored before ownership has: what each role could do with it then.</summary>
    public static readonly IReadOnlyList<ConnectionShare> LegacyShares =
    [
        new(ConnectionShare.Role, Roles.CatalogReviewer, ConnectionShare.Use),
        new(ConnectionShare.Role, Roles.Editor, ConnectionShare.Use),
        new(ConnectionShare.Role, Roles.Operator, ConnectionShare.Manage),
        new(ConnectionShare.Role, Roles.Viewer, ConnectionShare.Use),
    ];

    /// <summary>The owner of the installation (set at start): the owner of connections stored before ownership.</summary>
    public string InstallationOwnerId { get; set; } = "";

    public async Task<ConnectionAccessRecord> RecordOfAsync(string connectionId, CancellationToken ct) =>
        await store.GetAsync(connectionId, ct) ?? Legacy(connectionId);

    public ConnectionAccessRecord Legacy(string connectionId) => new(connectionId, InstallationOwnerId, LegacyShares);

    /// <summary>Every connection's record, by id (those without one get the legacy record when asked for).</summary>
    public async Task<Dictionary<string, ConnectionAccessRecord>> AllAsync(CancellationToken ct) =>
        (await store.ListAsync(ct)).ToDictionary(r => r.ConnectionId, StringComparer.Ordinal);

    public async Task<ConnectionRight> RightOfAsync(ClaimsPrincipal user, string connectionId, CancellationToken ct) =>
        RightOf(user, await RecordOfAsync(connectionId, ct));

    public static ConnectionRight RightOf(ClaimsPrincipal user, ConnectionAccessRecord record)
    {
        if (user.Identity?.IsAuthenticated != true) return ConnectionRight.None;
        var roles = user.FindAll(ClaimTypes.Role).Select(c => c.Value).ToHashSet(StringComparer.Ordinal);
        if (roles.Contains(Roles.Owner) || roles.Contains(Roles.Admin)) return ConnectionRight.Manage;
        var userId = user.UserId();
        if (userId is not null && userId == record.OwnerId) return ConnectionRight.Manage;
        var right = ConnectionRight.None;
        foreach (var share in record.Shares)
        {
            var applies = share.Kind == ConnectionShare.User ? share.Principal == userId : share.Kind == ConnectionShare.Role && roles.Contains(share.Principal);
            if (!applies) continue;
            var granted = share.Right == ConnectionShare.Manage ? ConnectionRight.Manage : ConnectionRight.Use;
            if (granted > right) right = granted;
        }
        return right;
    }

    public static string Name(ConnectionRight right) => right switch
    {
        ConnectionRight.Manage => ConnectionShare.Manage,
        ConnectionRight.Use => ConnectionShare.Use,
        _ => "none",
    };

    /// <summary>A new connection (or one whose id is reused) belongs to whoever created it, shared with no one.</summary>
    public Task ClaimAsync(string connectionId, ClaimsPrincipal creator, CancellationToken ct) =>
        store.ResetAsync(new ConnectionAccessRecord(connectionId, creator.UserId() ?? InstallationOwnerId, []), ct);

    public Task ForgetAsync(string connectionId, CancellationToken ct) => store.DeleteAsync(connectionId, ct);

    public async Task ShareAsync(string connectionId, ConnectionShare share, CancellationToken ct)
    {
        // A connection from before ownership keeps its default shares beside the new one.
        await store.EnsureAsync(Legacy(connectionId), ct);
        await store.SetShareAsync(connectionId, share, ct);
    }

    public async Task<bool> UnshareAsync(string connectionId, string kind, string principal, CancellationToken ct)
    {
        await store.EnsureAsync(Legacy(connectionId), ct);
        return await store.RemoveShareAsync(connectionId, kind, principal, ct);
    }

    // --- using connections in flows, automations and test runs ----------------------------------------------------

    /// <summary>The connections a flow names literally in its Connector.Action nodes (one chosen by an expression is known only at run).</summary>
    public static IEnumerable<(string NodeId, string ConnectionId)> LiteralConnections(FlowDefinition flow) =>
        flow.Nodes.Where(n => n.Type == "Connector.Action")
            .Select(n => (n.Id, Id: n.Inputs.GetValueOrDefault("connection") is JsonValue v && v.TryGetValue(out string? text) ? text : null))
            .Where(n => !string.IsNullOrEmpty(n.Id))
            .Select(n => (n.Item1, n.Id!));

    /// <summary>Why <paramref name="user"/> may not use the connection (null when they may, or when it does not exist).</summary>
    public async Task<string?> UseRefusalAsync(ClaimsPrincipal user, string? connectionId, IConnectionStore connections, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(connectionId) || !Connection.IsValidId(connectionId)) return null;
        if (await connections.GetAsync(connectionId, ct) is null) return null;
        return await RightOfAsync(user, connectionId, ct) >= ConnectionRight.Use ? null : $"connection '{connectionId}' is not shared with you for use";
    }

    /// <summary>
    /// Why <paramref name="user"/> may not publish or activate <paramref name="flow"/>: a connection it names they may not use.
    /// The error's path is the node's connection input in the flow's JSON.
    /// </summary>
    public async Task<ProblemHttpResult?> FlowRefusalAsync(ClaimsPrincipal user, FlowDefinition flow, IConnectionStore connections, CancellationToken ct)
    {
        foreach (var (nodeId, connectionId) in LiteralConnections(flow))
            if (await UseRefusalAsync(user, connectionId, connections, ct) is { } why)
            {
                var index = flow.Nodes.FindIndex(n => n.Id == nodeId);
                return Problems.Result(StatusCodes.Status403Forbidden, "Forbidden", $"node '{nodeId}': {why}",
                    [new { path = $"$.nodes[{index}].inputs.connection", nodeId, connection = connectionId, message = why }]);
            }
        return null;
    }

    /// <summary>Marks the rest of this request's work as a test run by <paramref name="user"/>: connections it runs with need their use right.</summary>
    public static void BeginTestRun(ClaimsPrincipal user) => TestRunCaller.Value = user;

    /// <summary>
    /// The runtime's check before a run takes a connection (<see cref="ConnectionService.ConnectionUseCheck"/>). A test run
    /// needs its caller's use right. A stored flow whose node chose the connection by an expression needs its publisher's
    /// (whoever last published it or switched it on; the installation's owner for a flow published before publishers were
    /// recorded or loaded by the server at start): publishing checked only the connections the flow names literally.
    /// Refused, the card never runs, so nothing is sent to the vendor.
    /// </summary>
    public async Task CheckTestRunUseAsync(ConnectionUse use, CancellationToken ct)
    {
        var connectionId = use.ConnectionId;
        if (!Connection.IsValidId(connectionId)) return;
        if (TestRunCaller.Value is { } caller)
        {
            if (await RightOfAsync(caller, connectionId, ct) < ConnectionRight.Use)
                throw new ConnectorException($"connection '{connectionId}' is not shared with you for use");
            return;
        }
        if (use.ChosenByFlowId is not { } flowId) return;
        var publisherId = await store.GetFlowPublisherAsync(flowId, ct) ?? InstallationOwnerId;
        var (publisher, name) = await PrincipalOfAsync(publisherId);
        if (RightOf(publisher, await RecordOfAsync(connectionId, ct)) < ConnectionRight.Use)
            throw new ConnectorException($"connection '{connectionId}' was chosen at run time and flow '{flowId}''s publisher ({name}) may not use it: " +
                                         "a published flow runs only with connections its publisher may use");
    }

    /// <summary>Records <paramref name="user"/> as the one who put the flow to work (published it, or switched it on).</summary>
    public async Task RecordPublisherAsync(ClaimsPrincipal user, string flowId, CancellationToken ct)
    {
        if (user.UserId() is { } userId) await store.SetFlowPublisherAsync(flowId, userId, ct);
    }

    /// <summary>A user as their current roles make them (no roles and no identity when the account is gone or disabled).</summary>
    private async Task<(ClaimsPrincipal Principal, string Name)> PrincipalOfAsync(string userId)
    {
        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<FlowUser>>();
        var user = string.IsNullOrEmpty(userId) ? null : await users.FindByIdAsync(userId);
        if (user is null) return (new ClaimsPrincipal(new ClaimsIdentity()), $"user {userId}, who no longer exists");
        var name = user.UserName ?? user.Id;
        if (AccountState.IsDisabled(user)) return (new ClaimsPrincipal(new ClaimsIdentity()), $"'{name}', whose account is disabled");
        return (await UserPrincipals.OfAsync(users, user, "publisher", []), $"'{name}'");
    }
}

/// <summary>
/// After authorization, for /api/connections/{id}/…: the caller needs the use right (read it, its usage, test it)
/// or the manage right (everything else) on that connection. Without any right the connection does not exist for
/// them (404, as for an unknown id); with use only, managing it answers 403. Test runs (draft runs, card tests, test
/// steps, dropdowns, dynamic inputs) are marked so the runtime checks the use right of every connection they take.
/// </summary>
internal sealed class ConnectionRightsCheck(RequestDelegate next, ConnectionRights rights, IConnectionStore connections)
{
    private const string Prefix = "/api/connections/{id}";
    private static readonly string[] TestRunSuffixes = ["/draft/run", "/draft/test-step", "/test", "/test-step", "/dropdown", "/dynamic-inputs"];

    public async Task InvokeAsync(HttpContext context)
    {
        if (context.GetEndpoint() is RouteEndpoint { RoutePattern.RawText: { } raw } && context.User.Identity?.IsAuthenticated == true)
        {
            var route = "/" + raw.TrimStart('/');
            if (route.StartsWith(Prefix, StringComparison.Ordinal) && context.Request.RouteValues["id"] is string id && Connection.IsValidId(id)
                && await connections.GetAsync(id, context.RequestAborted) is not null)
            {
                var needed = Needed(context.Request.Method, route[Prefix.Length..]);
                var right = await rights.RightOfAsync(context.User, id, context.RequestAborted);
                if (right == ConnectionRight.None)
                {
                    await Problems.Write(context, StatusCodes.Status404NotFound, "Not found", $"connection '{id}' does not exist");
                    return;
                }
                if (right < needed)
                {
                    await Problems.Write(context, StatusCodes.Status403Forbidden, "Forbidden", $"connection '{id}' is shared with you for use only; this needs the manage right");
                    return;
                }
            }
            else if (route.StartsWith("/api/", StringComparison.Ordinal) && !HttpMethods.IsGet(context.Request.Method)
                     && TestRunSuffixes.Any(s => route.EndsWith(s, StringComparison.Ordinal)) && !route.StartsWith("/api/connections", StringComparison.Ordinal))
                ConnectionRights.BeginTestRun(context.User);
        }
        await next(context);
    }

    private static ConnectionRight Needed(string method, string rest) =>
        (HttpMethods.IsGet(method) && rest is "" or "/usage") || (HttpMethods.IsPost(method) && rest == "/test") ? ConnectionRight.Use : ConnectionRight.Manage;
}
