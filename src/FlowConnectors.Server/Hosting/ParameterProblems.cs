using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A query, route or header value that does not bind to its endpoint's parameter: ASP.NET Core says
/// <c>Failed to bind parameter "int? take" from "abc".</c>; the client is told <c>query parameter 'take' must be a whole
/// number, not 'abc'</c>, with the parameter in <c>errors</c> as the body's problems name their JSON path.
/// </summary>
internal static partial class ParameterProblems
{
    public static ProblemDetails? Describe(HttpRequest request, BadHttpRequestException bad)
    {
        string name, message;
        if (NotBound().Match(bad.Message) is { Success: true } notBound)
        {
            name = notBound.Groups["name"].Value;
            message = $"must be {Kind(notBound.Groups["type"].Value)}, not '{notBound.Groups["value"].Value}'";
        }
        else if (Missing().Match(bad.Message) is { Success: true } missing)
        {
            name = missing.Groups["name"].Value;
            message = $"is required ({Kind(missing.Groups["type"].Value)})";
        }
        else return null;
        var where = request.RouteValues.ContainsKey(name) ? "route value" : request.Headers.ContainsKey(name) ? "header" : "query parameter";
        var problem = new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "Invalid parameter", Detail = $"{where} '{name}' {message}" };
        problem.Extensions["errors"] = new[] { new { path = name, message } };
        return problem;
    }

    /// <summary>
    /// The request's query or route value that its endpoint's handler could not parse. The generated endpoints answer such a
    /// value of a nullable parameter (<c>int? take</c>, <c>?take=abc</c>) with a bare 400 and neither log nor throw it
    /// (.NET 10's Request Delegate Generator), so it is found again here, from the handler's parameters.
    /// </summary>
    public static (string Detail, object Error)? FindUnparsable(HttpContext context)
    {
        if (context.GetEndpoint()?.Metadata.GetMetadata<MethodInfo>() is not { } handler) return null;
        foreach (var parameter in handler.GetParameters())
        {
            if (parameter.Name is not { } name) continue;
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            if (type == typeof(string)) continue;
            var (where, value) = context.Request.RouteValues.TryGetValue(name, out var routeValue) && routeValue is string fromRoute ? ("route value", fromRoute)
                : context.Request.Query.TryGetValue(name, out var fromQuery) ? ("query parameter", fromQuery.ToString()) : (null, null);
            if (where is null || string.IsNullOrEmpty(value) || Parses(type, value) is not false) continue;
            var message = $"must be {Kind(type)}, not '{value}'";
            return ($"{where} '{name}' {message}", new { path = name, message });
        }
        return null;
    }

    /// <summary>Whether <paramref name="value"/> parses as <paramref name="type"/> the way the endpoints bind it; null for a type not bound from text.</summary>
    private static bool? Parses(Type type, string value)
    {
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out _);
        var tryParse = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]);
        if (tryParse is null) return null;
        return (bool)tryParse.Invoke(null, [value, CultureInfo.InvariantCulture, null])!;
    }

    private static string Kind(Type type) => type.IsEnum
        ? "one of " + string.Join(", ", Enum.GetNames(type).Select(n => n.ToLowerInvariant()))
        : Kind(type == typeof(int) ? "int" : type == typeof(long) ? "long" : type == typeof(double) ? "double" : type == typeof(decimal) ? "decimal"
            : type == typeof(bool) ? "bool" : type.Name);

    /// <summary>A C# parameter type in words (the types the API's query and route parameters use).</summary>
    private static string Kind(string type) => type.TrimEnd('?') switch
    {
        "int" or "long" or "short" or "Int32" or "Int64" => "a whole number",
        "double" or "decimal" or "float" => "a number",
        "bool" or "Boolean" => "true or false",
        "DateTimeOffset" or "DateTime" => "a date and time (ISO 8601, such as 2026-12-06T10:00:00Z)",
        "TimeSpan" => "a time span (such as 00:05:00)",
        "Guid" => "a GUID",
        "string" or "String" => "text",
        var other => $"a {other}",
    };

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[^" ]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex NotBound();

    [GeneratedRegex("""^Required parameter "(?<type>[^"]+) (?<name>[^" ]+)" was not provided""", RegexOptions.Singleline)]
    private static partial Regex Missing();
}
