using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;

namespace FlowConnectors.Server.Hosting.Contracts;

/// <summary>
/// A typed JSON request body. It is read by the server's own reader (<see cref="Problems.ReadJsonAsync"/>: 415, 413,
/// and 400 naming the JSON path for malformed JSON, duplicate keys, broken text or too deep nesting) before
/// System.Text.Json maps it onto the record, so a typed endpoint refuses exactly what the untyped ones did; a member
/// of the wrong type is a 422 with its path. The record's DataAnnotations are checked here, answered as the minimal-API
/// validation's failures are (<see cref="ValidationProblemWriter"/>): .NET 10's validation generator does not describe
/// parameters bound through BindAsync, so its endpoint filter would pass these records unchecked. The body is declared to
/// OpenAPI as the record's schema.
/// </summary>
internal abstract record JsonRequest<TSelf> : IBindableFromHttpContext<TSelf>, IEndpointParameterMetadataProvider
    where TSelf : JsonRequest<TSelf>
{
    public static ValueTask<TSelf?> BindAsync(HttpContext context, ParameterInfo parameter) => JsonBody.BindAsync<TSelf>(context);

    public static void PopulateMetadata(ParameterInfo parameter, EndpointBuilder builder) =>
        builder.Metadata.Add(new AcceptsMetadata(["application/json"], typeof(TSelf), isOptional: typeof(TSelf).IsDefined(typeof(OptionalBodyAttribute))));
}

/// <summary>The body may be left out: a missing body reads as an empty object.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class OptionalBodyAttribute : Attribute;

/// <summary>The body carries run input: it is held to FlowConnectors:MaxInputDepth rather than MaxBodyDepth.</summary>
[AttributeUsage(AttributeTargets.Class)]
internal sealed class RunInputDepthAttribute : Attribute;

/// <summary>Thrown from binding with the problem to answer; <see cref="ClientErrorHandler"/> writes it.</summary>
internal sealed class RequestProblemException(IResult problem) : Exception("the request body was refused")
{
    public IResult Problem { get; } = problem;
}

internal static class JsonBody
{
    public static async ValueTask<T?> BindAsync<T>(HttpContext context) where T : class
    {
        var options = context.RequestServices.GetRequiredService<ServerOptions>();
        var optional = typeof(T).IsDefined(typeof(OptionalBodyAttribute));
        int? depth = typeof(T).IsDefined(typeof(RunInputDepthAttribute)) ? options.MaxInputDepth : null;
        var (body, problem) = await Problems.ReadJsonObjectAsync(context.Request, options.MaxBodyBytes, required: !optional, maxDepth: depth);
        if (problem is not null) throw new RequestProblemException(problem);
        var serializer = context.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        try
        {
            var value = body.Deserialize<T>(serializer) ?? throw new InputException("$", "must be an object, not null");
            var results = new List<ValidationResult>();
            if (!Validator.TryValidateObject(value, new ValidationContext(value, context.RequestServices, null), results, validateAllProperties: true))
            {
                var errors = results.SelectMany(r => (r.MemberNames.Any() ? r.MemberNames : [""]).Select(m => new ValidationError(ValidationProblemWriter.PathOf(m), r.ErrorMessage ?? "invalid")))
                    .DistinctBy(e => e.Path).ToList();
                throw new RequestProblemException(Problems.Validation(string.Join("; ", errors.Select(e => $"{e.Path} {e.Message}")), errors));
            }
            return value;
        }
        catch (JsonException e)
        {
            var path = e.Path ?? "$";
            throw new InputException(path, $"must be {Expected(serializer, typeof(T), path)}, not {Found(body!, path)}");
        }
    }

    /// <summary>What the record declares at a JSON path, in words.</summary>
    private static string Expected(JsonSerializerOptions serializer, Type type, string path)
    {
        foreach (var segment in Segments(path))
        {
            var info = serializer.GetTypeInfo(type);
            if (segment.Index is not null)
            {
                type = info.ElementType ?? type;
                continue;
            }
            var property = info.Properties.FirstOrDefault(p => string.Equals(p.Name, segment.Name, StringComparison.OrdinalIgnoreCase));
            if (property is null) break;
            type = property.PropertyType;
        }
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string)) return "text";
        if (type == typeof(bool)) return "a boolean";
        if (type.IsPrimitive || type == typeof(decimal)) return "a number";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type).Select(n => JsonNamingPolicy.CamelCase.ConvertName(n)));
        // JSON DOM types have their own converters (kind None): say what they hold.
        if (typeof(JsonObject).IsAssignableFrom(type)) return "an object";
        if (typeof(JsonArray).IsAssignableFrom(type)) return "an array";
        return serializer.GetTypeInfo(type).Kind switch
        {
            JsonTypeInfoKind.Enumerable => "an array",
            JsonTypeInfoKind.Object or JsonTypeInfoKind.Dictionary => "an object",
            _ => "a JSON value",
        };
    }

    /// <summary>What the body holds at a JSON path, in words.</summary>
    private static string Found(JsonNode body, string path)
    {
        JsonNode? node = body;
        foreach (var segment in Segments(path))
        {
            node = segment.Index is { } index ? node is JsonArray a && index < a.Count ? a[index] : null
                : node is JsonObject o ? o.FirstOrDefault(p => string.Equals(p.Key, segment.Name, StringComparison.OrdinalIgnoreCase)).Value : null;
            if (node is null) break;
        }
        return node is null ? "null" : JsonFields.KindOf(node);
    }

    private static IEnumerable<(string? Name, int? Index)> Segments(string path)
    {
        var i = path.StartsWith('$') ? 1 : 0;
        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var end = path.IndexOfAny(['.', '['], i + 1);
                if (end < 0) end = path.Length;
                yield return (path[(i + 1)..end], null);
                i = end;
            }
            else if (path[i] == '[')
            {
                var end = path.IndexOf(']', i);
                if (end < 0) yield break;
                var inner = path[(i + 1)..end];
                if (int.TryParse(inner, out var index)) yield return (null, index);
                else yield return (inner.Trim('\''), null);
                i = end + 1;
            }
            else yield break;
        }
    }
}
