namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Refuses U+0000 in route values and the query string with a 400 naming the parameter. PostgreSQL text cannot hold
/// it, so an id or a filter with it would fail in the store as a 500. (Kestrel already refuses it in the path and
/// in headers; <see cref="JsonInput"/> refuses it in JSON bodies.)
/// </summary>
internal sealed class NulGuard(RequestDelegate next)
{
    public Task InvokeAsync(HttpContext context)
    {
        foreach (var (name, value) in context.Request.RouteValues)
            if (value is string text && text.Contains('\0'))
                return RefuseAsync(context, name);
        foreach (var (name, values) in context.Request.Query)
            if (name.Contains('\0') || values.Any(v => v is not null && v.Contains('\0')))
                return RefuseAsync(context, name.Replace("\0", "\\u0000", StringComparison.Ordinal));
        return next(context);
    }

    private static Task RefuseAsync(HttpContext context, string parameter) =>
        Problems.Write(context, StatusCodes.Status400BadRequest, "Invalid text", $"'{parameter}' holds U+0000 (NUL), which the server cannot store");
}
