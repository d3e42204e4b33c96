using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Collection;

/// <summary>
/// The loop body of a collection flow: filters one page of vendor records, maps them to users and
/// hands them to the host's collection store (upserted by vendor id). Run outside an import (in the
/// designer or <c>flowc run</c>) it stores nothing and outputs the mapped users instead, as a preview.
/// </summary>
[Activity("Collection.StoreUsers", Category = "Data collection", DisplayName = "Store collected users",
    Description = "Filters a page of vendor records, maps them to users (id, email, name, department, status, created, last activity) and upserts them by vendor id during an import run.")]
internal sealed class StoreUsers : Activity
{
    [Input(Description = "The Http.Paginate node (mode 'pages') whose current page is stored: its items and pageNumber are read directly, without a script.")]
    public string PagesNode { get; set; } = "pages";

    [Input(Description = "Records to store instead of the pages node's current page, e.g. from a script.")]
    public JsonArray? Records { get; set; }

    /// <summary>Run property naming the import run; set by the host's import, absent in a preview.</summary>
    public const string RunProperty = "collection.run";

    [Input(Required = true, Editor = "json", Description = "Vendor field path for each user field: { id, email, name, department, status, created }; id is required.")]
    public JsonObject Mapping { get; set; } = [];

    [Input(Editor = "json", Description = "Records kept: [{ field, operator: equals|notEquals, value }].")]
    public JsonArray? Filters { get; set; }

    [Input(Description = "Vendor field holding the user's last activity.")]
    public string LastActivityField { get; set; } = "";

    [Input(Description = "The application the activity belongs to.")]
    public string Application { get; set; } = "";

    [Output(Description = "Records kept and stored.")] public int Kept { get; private set; }
    [Output(Description = "Records the filters left out.")] public int Filtered { get; private set; }
    [Output(Description = "Records without an id.")] public int Skipped { get; private set; }
    [Output(Description = "Outside an import only: the mapped users (a preview).")] public JsonArray? Users { get; private set; }

    protected override async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var mapper = new UserMapper(ReadMapping(), ReadFilters(),
            new TemplateActivity(LastActivityField.Length == 0 ? null : LastActivityField, Application.Length == 0 ? null : Application));
        var (records, pageNumber) = PageOf(context);
        List<CollectedUser> users;
        int filtered, skipped;
        try
        {
            (users, filtered, skipped) = mapper.MapPage(records);
        }
        catch (InvalidDataException e)
        {
            throw new ActivityFaultException(pageNumber > 0 ? $"page {pageNumber}, {e.Message}" : e.Message);
        }
        Kept = users.Count;
        Filtered = filtered;
        Skipped = skipped;
        var runId = context.GetProperty(RunProperty);
        var sink = context.Services.GetService(typeof(ICollectionSink)) as ICollectionSink;
        if (runId is not null && sink is not null)
        {
            // Counted from the mapping: counting the array would turn every record into a node.
            await sink.StorePageAsync(runId, pageNumber, users.Count + filtered + skipped, filtered, skipped, users, context.CancellationToken);
            return ActivityResult.Done;
        }
        Users = new JsonArray(users.Select(u => (JsonNode?)new JsonObject
        {
            ["id"] = u.VendorId,
            ["email"] = u.Email,
            ["name"] = u.Name,
            ["department"] = u.Department,
            ["status"] = u.Status,
            ["created"] = u.CreatedAt?.ToString("O"),
            ["lastActivity"] = u.LastActivityAt?.ToString("O"),
            ["application"] = u.Application,
        }).ToArray());
        return ActivityResult.Done;
    }

    private (JsonArray Records, int PageNumber) PageOf(ActivityContext context)
    {
        var outputs = PagesNode.Length == 0 ? null : context.GetNodeOutputs(PagesNode);
        var pageNumber = outputs?.GetValueOrDefault("pageNumber") is JsonValue n && n.TryGetValue(out int number) ? number : 0;
        if (Records is not null) return (Records, pageNumber);
        if (outputs is null) throw new ActivityFaultException($"pagesNode '{PagesNode}' has not run; put this node in the 'page' branch of that Http.Paginate node, or set records");
        return outputs.GetValueOrDefault("items") is JsonArray items
            ? (items, pageNumber)
            : throw new ActivityFaultException($"node '{PagesNode}' has no page of items; it must be an Http.Paginate node in mode 'pages'");
    }

    private UserMapping ReadMapping()
    {
        foreach (var (name, _) in Mapping)
            if (!TemplateReader.MappingFields.Contains(name))
                throw new ActivityFaultException($"mapping: unknown field '{name}'; a mapping has {string.Join(", ", TemplateReader.MappingFields)}");
        string? Path(string name)
        {
            var value = Mapping[name];
            if (JsonValues.IsNull(value)) return null;
            return JsonValues.TryGetString(value, out var text) && text.Trim().Length > 0
                ? text
                : throw new ActivityFaultException($"mapping.{name} must be a field path such as 'profile.email'");
        }
        return new UserMapping
        {
            Id = Path("id") ?? throw new ActivityFaultException("mapping.id is required: the vendor field that identifies a user"),
            Email = Path("email"),
            Name = Path("name"),
            Department = Path("department"),
            Status = Path("status"),
            Created = Path("created"),
        };
    }

    private List<TemplateFilter> ReadFilters()
    {
        var filters = new List<TemplateFilter>();
        if (Filters is null) return filters;
        for (var i = 0; i < Filters.Count; i++)
        {
            if (Filters[i] is not JsonObject f || !JsonValues.TryGetString(f["field"], out var field) || field.Length == 0)
                throw new ActivityFaultException($"filters[{i}] needs a 'field'");
            var op = JsonValues.TryGetString(f["operator"], out var o) ? o : "";
            filters.Add(new TemplateFilter(field, op switch
            {
                "equals" => FilterOperator.Equals,
                "notEquals" => FilterOperator.NotEquals,
                _ => throw new ActivityFaultException($"filters[{i}].operator must be equals or notEquals, got '{op}'"),
            }, f["value"]?.DeepClone()));
        }
        return filters;
    }
}
