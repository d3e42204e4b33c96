using System.Text.Json.Serialization;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// A member written only when it has a value (<c>[JsonIgnore(Condition = WhenWritingNull)]</c>) is not required in the
/// OpenAPI document: the schema describes the bytes, and a client generated from it must not count on a member that is
/// left out (the expression evaluator's <c>error</c>, for one).
/// </summary>
internal static class OmittedMembers
{
    public static Task NotRequiredAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken cancellationToken)
    {
        if (schema.Required is not { Count: > 0 } required) return Task.CompletedTask;
        foreach (var property in context.JsonTypeInfo.Properties)
            if (property.AttributeProvider?.GetCustomAttributes(typeof(JsonIgnoreAttribute), inherit: true) is { Length: > 0 } attributes
                && attributes.OfType<JsonIgnoreAttribute>().Any(a => a.Condition is JsonIgnoreCondition.WhenWritingNull or JsonIgnoreCondition.WhenWritingDefault))
                required.Remove(property.Name);
        return Task.CompletedTask;
    }
}
