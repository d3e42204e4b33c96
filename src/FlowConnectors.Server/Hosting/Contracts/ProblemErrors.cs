using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// The <c>errors</c> of a problem document, in the OpenAPI document: the framework's <see cref="ProblemDetails"/> schema
/// lists only RFC 9457's members, so a client generated from it did not know the list every refusal of bad input carries.
/// Each entry names where the mistake is (<c>path</c>: a JSON path such as <c>$.filter.to</c> in a body, or the name of a
/// query, route or header parameter such as <c>take</c>) and what is wrong (<c>message</c>); some carry more (a code, a
/// node id, a severity).
/// </summary>
internal static class ProblemErrors
{
    public static Task DescribeAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (context.JsonTypeInfo.Type != typeof(ProblemDetails)) return Task.CompletedTask;
        schema.Properties ??= new Dictionary<string, IOpenApiSchema>();
        schema.Properties["errors"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Description = "What is wrong and where, one entry per mistake (bad input only).",
            Items = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Required = new HashSet<string> { "path", "message" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["path"] = new OpenApiSchema
                    {
                        Type = JsonSchemaType.String,
                        Description = "A JSON path in the body ($.filter.to), or the name of the query, route or header parameter (take).",
                    },
                    ["message"] = new OpenApiSchema { Type = JsonSchemaType.String },
                },
            },
        };
        schema.Properties["details"] = new OpenApiSchema
        {
            Type = JsonSchemaType.Array,
            Items = new OpenApiSchema { Type = JsonSchemaType.String },
            Description = "A refusal's findings that name no path, one line each (a catalog package's breaking changes or failed tests).",
        };
        return Task.CompletedTask;
    }
}
