using FlowConnectors.Server.Hosting.Contracts;
using System.Security.Claims;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Persistence.Identity;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Endpoints;

/// <summary>A user or a role a connection belongs to or is shared with.</summary>
internal sealed record ConnectionPrincipal(string Kind, string Id, string? Name);

/// <summary>One share: who, and whether they may use or manage the connection.</summary>
internal sealed record ConnectionShareResponse(string Kind, string Id, string? Name, string Right);

/// <summary>A connection's owner and shares, and what the caller may do with it.</summary>
internal sealed record ConnectionAccessResponse(string ConnectionId, ConnectionPrincipal Owner, IReadOnlyList<ConnectionShareResponse> Shares, string YourRight);

/// <summary>Share a connection with a user (id or user name) or a role: <c>use</c> (run with it) or <c>manage</c> (also see, edit, share).</summary>
internal sealed record ShareConnectionRequest(string? User, string? Role, string? Right);

/// <summary>Give a connection to another user (they manage it; the previous owner keeps only what their shares and roles give).</summary>
internal sealed record TransferConnectionRequest(string? User);

/// <summary>
/// Connection ownership and sharing (issue 20): who sees a connection in lists, who may use it, who may manage and
/// share it. Secret values never show to anyone; a user with the use right sees its name, connector and health only.
/// </summary>
internal static class ConnectionSharingEndpoints
{
    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api/connections/{id}").ProducesAccessProblems();

        api.MapGet("/access", AccessAsync)
            .RequirePermission(Permissions.ConnectionsRead).RequireConnectionId()
            .WithSummary("The connection's owner and shares (needs the manage right on it)").ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        api.MapPost("/shares", async Task<Results<Ok<ConnectionAccessResponse>, ProblemHttpResult>> (string id, ShareConnectionRequest request, HttpContext context,
            IConnectionStore connections, ConnectionRights rights, UserManager<FlowUser> users, CancellationToken ct) =>
        {
            if (await connections.GetAsync(id, ct) is null) return NoConnection(id);
            if ((request.User is null) == (request.Role is null))
                return Invalid("name either 'user' (an id or user name) or 'role'", request.User is null ? "$.user" : "$.role", "exactly one of user and role");
            var right = request.Right ?? ConnectionShare.Use;
            if (right is not (ConnectionShare.Use or ConnectionShare.Manage)) return Invalid($"right '{right}' is not use or manage", "$.right", "use or manage");
            ConnectionShare share;
            if (request.Role is { } role)
            {
                if (!Roles.IsKnown(role)) return Invalid($"role '{role}' does not exist", "$.role", $"one of {string.Join(", ", Roles.All)}");
                share = new ConnectionShare(ConnectionShare.Role, role, right);
            }
            else
            {
                var user = await users.FindByIdAsync(request.User!) ?? await users.FindByNameAsync(request.User!);
                if (user is null) return Invalid($"user '{request.User}' does not exist", "$.user", "unknown user");
                share = new ConnectionShare(ConnectionShare.User, user.Id, right);
            }
            await rights.ShareAsync(id, share, ct);
            return TypedResults.Ok(await DescribeAsync(id, context.User, rights, users, ct));
        }).RequirePermission(Permissions.ConnectionsManage).RequireConnectionId()
          .WithSummary("Share the connection with a user or a role, to use or to manage it")
          .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapDelete("/shares/{kind}/{principal}", async Task<Results<Ok<ConnectionAccessResponse>, ProblemHttpResult>> (string id, string kind, string principal,
            HttpContext context, IConnectionStore connections, ConnectionRights rights, UserManager<FlowUser> users, CancellationToken ct) =>
        {
            if (await connections.GetAsync(id, ct) is null) return NoConnection(id);
            if (kind is not (ConnectionShare.User or ConnectionShare.Role)) return Invalid($"kind '{kind}' is not user or role", "kind", "user or role");
            if (kind == ConnectionShare.User && await users.FindByNameAsync(principal) is { } named && await users.FindByIdAsync(principal) is null) principal = named.Id;
            if (!await rights.UnshareAsync(id, kind, principal, ct))
                return TypedResults.Problem($"connection '{id}' is not shared with {kind} '{principal}'", statusCode: StatusCodes.Status404NotFound, title: "Not found");
            return TypedResults.Ok(await DescribeAsync(id, context.User, rights, users, ct));
        }).RequirePermission(Permissions.ConnectionsManage).RequireConnectionId()
          .WithSummary("Stop sharing the connection with a user or a role")
          .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        api.MapPut("/owner", async Task<Results<Ok<ConnectionAccessResponse>, ProblemHttpResult>> (string id, TransferConnectionRequest request, HttpContext context,
            IConnectionStore connections, ConnectionRights rights, IConnectionAccessStore store, UserManager<FlowUser> users, CancellationToken ct) =>
        {
            if (await connections.GetAsync(id, ct) is null) return NoConnection(id);
            if (string.IsNullOrEmpty(request.User)) return Invalid("name the new owner in 'user' (an id or user name)", "$.user", "required");
            var user = await users.FindByIdAsync(request.User) ?? await users.FindByNameAsync(request.User);
            if (user is null) return Invalid($"user '{request.User}' does not exist", "$.user", "unknown user");
            var current = await rights.RecordOfAsync(id, ct);
            await store.ResetAsync(current with { OwnerId = user.Id }, ct);
            return TypedResults.Ok(await DescribeAsync(id, context.User, rights, users, ct));
        }).RequirePermission(Permissions.ConnectionsManage).RequireConnectionId()
          .WithSummary("Give the connection to another user")
          .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<Results<Ok<ConnectionAccessResponse>, ProblemHttpResult>> AccessAsync(string id, HttpContext context, IConnectionStore connections,
        ConnectionRights rights, UserManager<FlowUser> users, CancellationToken ct) =>
        await connections.GetAsync(id, ct) is null ? NoConnection(id) : TypedResults.Ok(await DescribeAsync(id, context.User, rights, users, ct));

    /// <summary>GET /api/connections: what the caller may use or manage, nothing else.</summary>
    public static async Task<Ok<ConnectionResponse[]>> ListAsync(HttpContext context, IConnectionStore store, ConnectionRights rights, TimeProvider clock, CancellationToken ct)
    {
        var records = await rights.AllAsync(ct);
        var now = clock.GetUtcNow();
        var visible = new List<ConnectionResponse>();
        foreach (var connection in await store.ListAsync(ct))
        {
            var right = ConnectionRights.RightOf(context.User, records.GetValueOrDefault(connection.Id) ?? rights.Legacy(connection.Id));
            if (right != ConnectionRight.None) visible.Add(Visible(connection, right, now));
        }
        return TypedResults.Ok(visible.ToArray());
    }

    /// <summary>A connection as the caller may see it: with the manage right its values (never secrets), with use only its name and health.</summary>
    public static ConnectionResponse Visible(Connection connection, ConnectionRight right, DateTimeOffset now) =>
        right == ConnectionRight.Manage
            ? ConnectionResponse.Of(connection, now, ConnectionRights.Name(right))
            : ConnectionResponse.UseOnly(connection, now, ConnectionRights.Name(right));

    private static async Task<ConnectionAccessResponse> DescribeAsync(string id, ClaimsPrincipal caller, ConnectionRights rights, UserManager<FlowUser> users, CancellationToken ct)
    {
        var record = await rights.RecordOfAsync(id, ct);
        async Task<string?> NameOf(string userId) => (await users.FindByIdAsync(userId))?.UserName;
        var shares = new List<ConnectionShareResponse>();
        foreach (var share in record.Shares)
            shares.Add(new ConnectionShareResponse(share.Kind, share.Principal, share.Kind == ConnectionShare.User ? await NameOf(share.Principal) : share.Principal, share.Right));
        return new ConnectionAccessResponse(id, new ConnectionPrincipal(ConnectionShare.User, record.OwnerId, await NameOf(record.OwnerId)), shares,
            ConnectionRights.Name(ConnectionRights.RightOf(caller, record)));
    }

    private static ProblemHttpResult NoConnection(string id) =>
        TypedResults.Problem($"connection '{id}' does not exist", statusCode: StatusCodes.Status404NotFound, title: "Not found");

    private static ProblemHttpResult Invalid(string detail, string path, string message) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status422UnprocessableEntity, title: "Invalid input",
            extensions: new Dictionary<string, object?> { ["errors"] = new[] { new { path, message } } });
}
