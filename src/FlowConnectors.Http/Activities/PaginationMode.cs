namespace FlowConnectors.Http.Activities;

/// <summary>What Paginate's loop body receives.</summary>
internal enum PaginationMode
{
    /// <summary>The 'page' branch runs once per page.</summary>
    Pages,
    /// <summary>The 'page' branch runs once per record.</summary>
    Items,
    /// <summary>No loop: every record (up to maxItems) comes out on 'done'.</summary>
    Collect,
}
