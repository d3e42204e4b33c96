namespace FlowConnectors.Http.Activities;

/// <summary>How Paginate finds the next page.</summary>
internal enum PaginationStrategy
{
    /// <summary>One request, one page.</summary>
    None,
    /// <summary><c>offset</c> and <c>limit</c> parameters; offset advances by the items received.</summary>
    OffsetLimit,
    /// <summary><c>page</c> and <c>per_page</c> parameters; page advances by one.</summary>
    PageNumber,
    /// <summary>The next cursor comes from the response body (<c>cursorPath</c>) and goes back as <c>cursorParameter</c>.</summary>
    Cursor,
    /// <summary>The next URL comes from the response's <c>Link: &lt;…&gt;; rel="next"</c> header.</summary>
    LinkHeader,
    /// <summary>
    /// Stripe's way: the last record's id (<c>itemIdPath</c>, default <c>id</c>) goes back as <c>cursorParameter</c>
    /// (<c>starting_after</c>), and a boolean in the response (<c>hasMorePath</c>, <c>has_more</c>) says whether another page follows.
    /// </summary>
    LastItemId,
}
