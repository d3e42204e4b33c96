using Microsoft.AspNetCore.Routing;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>An endpoint's declared permission (<c>.RequirePermission(…)</c>); it wins over the route rules.</summary>
internal sealed record RequiredPermission(string Permission);

/// <summary>An endpoint anyone may call (sign-in); the management API default-denies everything else.</summary>
internal sealed record AnonymousOperation;

internal static class PermissionConventions
{
    /// <summary>Declares which permission an endpoint needs (see <see cref="Permissions"/>).</summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, string permission) where TBuilder : IEndpointConventionBuilder
    {
        if (!Permissions.IsKnown(permission)) throw new ArgumentException($"unknown permission '{permission}'", nameof(permission));
        builder.Add(endpoint => endpoint.Metadata.Add(new RequiredPermission(permission)));
        return builder;
    }

    public static TBuilder AllowAnonymousOperation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint => endpoint.Metadata.Add(new AnonymousOperation()));
        return builder;
    }
}

/// <summary>
/// Which permission an /api operation needs: the endpoint's own <see cref="RequiredPermission"/>, else a rule by route
/// prefix and method below, else <see cref="Permissions.Unclassified"/> (owners and admins only). So an endpoint
/// added later is never open by accident: it falls under its prefix's rule or is default-denied.
/// </summary>
internal static class OperationRules
{
    public static bool IsManagementPath(PathString path) => path.StartsWithSegments("/api");

    public static string PermissionFor(Endpoint? endpoint, string method)
    {
        if (endpoint?.Metadata.GetMetadata<RequiredPermission>() is { } declared) return declared.Permission;
        var route = (endpoint as RouteEndpoint)?.RoutePattern.RawText ?? "";
        return Infer(method, "/" + route.TrimStart('/')) ?? Permissions.Unclassified;
    }

    /// <summary>The route rules; <paramref name="route"/> is the endpoint's pattern (<c>/api/flows/{id}/run</c>).</summary>
    internal static string? Infer(string method, string route)
    {
        var read = HttpMethods.IsGet(method) || HttpMethods.IsHead(method);
        if (Under(route, "/api/activities")) return read ? Permissions.FlowsRead : null;
        if (Under(route, "/api/flows"))
        {
            if (route.EndsWith("/diff", StringComparison.Ordinal) || read) return Permissions.FlowsRead;
            if (route is "/api/flows/validate" or "/api/flows/format") return Permissions.FlowsRead;
            if (route.EndsWith("/run", StringComparison.Ordinal) && !route.Contains("/draft/", StringComparison.Ordinal)) return Permissions.RunsExecute;
            if (route.EndsWith("/publish", StringComparison.Ordinal) || route.EndsWith("/active", StringComparison.Ordinal)) return Permissions.FlowsPublish;
            return Permissions.FlowsWrite;
        }
        if (Under(route, "/api/expressions")) return Permissions.FlowsWrite;
        if (Under(route, "/api/instances")) return read ? Permissions.InstancesRead : Permissions.RunsExecute;
        if (Under(route, "/api/inbox")) return read ? Permissions.InstancesRead : Permissions.RunsExecute;
        if (Under(route, "/api/incidents")) return read ? Permissions.InstancesRead : Permissions.RunsExecute;
        if (Under(route, "/api/events")) return Permissions.RunsExecute;
        if (Under(route, "/api/app-approvals")) return read ? Permissions.InstancesRead : Permissions.RunsExecute;
        if (Under(route, "/api/connectors") || Under(route, "/api/connector-cards"))
        {
            if (read) return Permissions.ConnectorsRead;
            // Dropdowns and dynamic inputs call the vendor with a connection: using it, not editing the connector.
            if (route.EndsWith("/dropdown", StringComparison.Ordinal) || route.EndsWith("/dynamic-inputs", StringComparison.Ordinal)) return Permissions.ConnectionsUse;
            return Permissions.ConnectorsWrite;
        }
        if (Under(route, "/api/connections"))
        {
            if (read) return Permissions.ConnectionsRead;
            if (route.EndsWith("/test", StringComparison.Ordinal)) return Permissions.ConnectionsUse;
            return Permissions.ConnectionsManage;
        }
        if (Under(route, "/api/automations")) return read ? Permissions.FlowsRead : Permissions.AutomationsManage;
        if (Under(route, "/api/catalog"))
        {
            if (route.EndsWith("/review", StringComparison.Ordinal)) return Permissions.CatalogReview;
            if (Under(route, "/api/catalog/export")) return read ? Permissions.ConnectorsRead : Permissions.CatalogSubmit;
            if (read) return Permissions.CatalogRead;
            if (route == "/api/catalog/packages" || Under(route, "/api/catalog/installed")) return Permissions.CatalogSubmit;
            return Permissions.ConnectorsWrite; // install or upgrade changes what runs
        }
        if (Under(route, "/api/postman") || Under(route, "/api/openapi") || Under(route, "/api/import")) return Permissions.ConnectorsWrite;
        if (Under(route, "/api/collection")) return read ? Permissions.CollectionRead : Permissions.CollectionManage;
        if (Under(route, "/api/keys")) return Permissions.KeysOwn;
        if (Under(route, "/api/users") || Under(route, "/api/roles")) return Permissions.UsersManage;
        if (Under(route, "/api/audit")) return Permissions.AuditRead;
        return null;
    }

    private static bool Under(string route, string prefix) =>
        route.StartsWith(prefix, StringComparison.Ordinal) && (route.Length == prefix.Length || route[prefix.Length] == '/');
}
