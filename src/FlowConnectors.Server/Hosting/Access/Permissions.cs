namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// What a role may do. Every API operation needs exactly one permission; an API key's scopes are a subset of these.
/// </summary>
internal static class Permissions
{
    public const string FlowsRead = "flows.read";
    public const string FlowsWrite = "flows.write";
    public const string FlowsPublish = "flows.publish";
    public const string RunsExecute = "runs.execute";
    public const string InstancesRead = "instances.read";
    public const string ConnectorsRead = "connectors.read";
    public const string ConnectorsWrite = "connectors.write";
    public const string ConnectionsRead = "connections.read";
    public const string ConnectionsUse = "connections.use";
    public const string ConnectionsManage = "connections.manage";
    public const string AutomationsManage = "automations.manage";
    public const string CatalogRead = "catalog.read";
    public const string CatalogSubmit = "catalog.submit";
    public const string CatalogReview = "catalog.review";
    public const string CollectionRead = "collection.read";
    public const string CollectionManage = "collection.manage";
    public const string KeysOwn = "keys.own";
    public const string UsersManage = "users.manage";
    public const string AuditRead = "audit.read";
    /// <summary>An /api operation no rule names (an endpoint added without declaring its permission): owners and admins only.</summary>
    public const string Unclassified = "admin.unclassified";

    public static readonly IReadOnlyList<string> All =
    [
        FlowsRead, FlowsWrite, FlowsPublish, RunsExecute, InstancesRead, ConnectorsRead, ConnectorsWrite, ConnectionsRead, ConnectionsUse,
        ConnectionsManage, AutomationsManage, CatalogRead, CatalogSubmit, CatalogReview, CollectionRead, CollectionManage, KeysOwn, UsersManage,
        AuditRead, Unclassified,
    ];

    public static bool IsKnown(string permission) => All.Contains(permission);
}

/// <summary>The six roles and what each may do; a user with several roles may do what any of them may.</summary>
internal static class Roles
{
    public const string Owner = "owner";
    public const string Admin = "admin";
    public const string Editor = "editor";
    public const string Operator = "operator";
    public const string Viewer = "viewer";
    public const string CatalogReviewer = "catalog-reviewer";

    public static readonly IReadOnlyList<string> All = [Owner, Admin, Editor, Operator, Viewer, CatalogReviewer];

    private static readonly string[] Reading =
        [Permissions.FlowsRead, Permissions.InstancesRead, Permissions.ConnectorsRead, Permissions.ConnectionsRead, Permissions.CatalogRead,
         Permissions.CollectionRead, Permissions.KeysOwn];

    private static readonly Dictionary<string, HashSet<string>> Grants = new(StringComparer.Ordinal)
    {
        // The owner may do everything, catalog reviews included (a one-person installation still reviews; never its own submissions).
        [Owner] = [.. Permissions.All],
        // Admins run the installation; approving catalog submissions stays with reviewers.
        [Admin] = [.. Permissions.All.Where(p => p != Permissions.CatalogReview)],
        [Editor] = [.. Reading, Permissions.FlowsWrite, Permissions.FlowsPublish, Permissions.ConnectorsWrite, Permissions.ConnectionsUse,
                    Permissions.AutomationsManage, Permissions.CatalogSubmit],
        [Operator] = [.. Reading, Permissions.RunsExecute, Permissions.ConnectionsUse, Permissions.ConnectionsManage, Permissions.AutomationsManage,
                      Permissions.CollectionManage],
        [Viewer] = [.. Reading],
        [CatalogReviewer] = [.. Reading, Permissions.CatalogReview],
    };

    public static bool IsKnown(string role) => Grants.ContainsKey(role);

    /// <summary>Everything the given roles may do.</summary>
    public static HashSet<string> PermissionsOf(IEnumerable<string> roles)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var role in roles)
            if (Grants.TryGetValue(role, out var granted)) result.UnionWith(granted);
        return result;
    }
}
