using Microsoft.OpenApi;
using Microsoft.AspNetCore.OpenApi;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// Describes to OpenAPI a body that the handler reads itself: a flow document the flow reader checks as text, a body a
/// service reads member by member (partial updates, unknown members refused), a package upload. Unlike Accepts(...),
/// this adds no content-type matching to routing, so a wrong content type still gets the handler's own 415 problem.
/// </summary>
internal static class BodyMetadata
{
    public static RouteHandlerBuilder DocumentsBody<T>(this RouteHandlerBuilder builder, string contentType = "application/json", bool required = true) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, ct) =>
        {
            var schema = await Component<T>(context, ct);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = required,
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new() { Schema = schema } },
            };
        });

    /// <summary>
    /// <typeparamref name="T"/>'s schema as a component named after the record, as a typed endpoint's request and result
    /// records are, so the designer's client names it (a JSON node stays inline: it has no members to name).
    /// </summary>
    private static async Task<IOpenApiSchema> Component<T>(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, ct);
        if (context.Document is not { } document || typeof(System.Text.Json.Nodes.JsonNode).IsAssignableFrom(typeof(T))) return schema;
        var name = typeof(T).Name;
        lock (document)
            if (document.Components?.Schemas?.ContainsKey(name) != true) document.AddComponent(name, schema);
        return new OpenApiSchemaReference(name, document);
    }

    /// <summary>A binary upload (a package file) of the given content types.</summary>
    public static RouteHandlerBuilder DocumentsBinaryBody(this RouteHandlerBuilder builder, params string[] contentTypes) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = contentTypes.ToDictionary(t => t, _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } }),
            };
            return Task.CompletedTask;
        });
}
