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
    /// <summary>The problem for binding's <see cref="BadHttpRequestException"/> of a value that did not bind; null for any other.</summary>
    public static ProblemDetails? Describe(HttpContext context, BadHttpRequestException bad)
    {
        if (NotBound().Match(bad.Message) is { Success: true } notBound)
        {
            var name = notBound.Groups["name"].Value;
            return Problem(context, name, $"must be {Expected(context, name)}, not '{notBound.Groups["value"].Value}'");
        }
        if (Missing().Match(bad.Message) is { Success: true } missing)
        {
            var name = missing.Groups["name"].Value;
            return Problem(context, name, $"is required ({Expected(context, name)})");
        }
        return null;
    }

    /// <summary>
    /// The request's query or route value that its endpoint's handler could not parse. The generated endpoints answer such a
    /// value of a nullable parameter (<c>int? take</c>, <c>?take=abc</c>) with a bare 400 and neither log nor throw it
    /// (.NET 10's Request Delegate Generator), so it is found again here, from the handler's parameters.
    /// </summary>
    public static ProblemDetails? FindUnparsable(HttpContext context)
    {
        foreach (var parameter in Handler(context)?.GetParameters() ?? [])
        {
            if (parameter.Name is not { } name) continue;
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            if (type == typeof(string) || Given(context, name) is not { Length: > 0 } value || Parses(type, value) is not false) continue;
            return Problem(context, name, $"must be {TextValues.Expected(type)}, not '{value}'");
        }
        return null;
    }

    private static ProblemDetails Problem(HttpContext context, string name, string message)
    {
        var where = context.Request.RouteValues.ContainsKey(name) ? "route value" : context.Request.Headers.ContainsKey(name) ? "header" : "query parameter";
        var problem = new ProblemDetails { Status = StatusCodes.Status400BadRequest, Title = "Invalid parameter", Detail = $"{where} '{name}' {message}" };
        problem.Extensions["errors"] = new[] { new { path = name, message } };
        return problem;
    }

    /// <summary>The handler of the endpoint that failed (an exception handler runs after the middleware cleared the endpoint).</summary>
    private static MethodInfo? Handler(HttpContext context) => FailedRoute.EndpointOf(context)?.Metadata.GetMetadata<MethodInfo>();

    private static string Expected(HttpContext context, string name) =>
        Handler(context)?.GetParameters().FirstOrDefault(p => p.Name == name) is { } parameter ? TextValues.Expected(parameter.ParameterType) : "a value of its type";

    /// <summary>The text given for a parameter: its route value, else its query value.</summary>
    private static string? Given(HttpContext context, string name) =>
        context.Request.RouteValues.TryGetValue(name, out var routeValue) && routeValue is string fromRoute ? fromRoute
            : context.Request.Query.TryGetValue(name, out var fromQuery) ? fromQuery.ToString() : null;

    /// <summary>Whether <paramref name="value"/> parses as <paramref name="type"/> the way the endpoints bind it; null for a type not bound from text.</summary>
    private static bool? Parses(Type type, string value)
    {
        if (type.IsEnum) return Enum.TryParse(type, value, ignoreCase: true, out _);
        var tryParse = type.GetMethod("TryParse", BindingFlags.Public | BindingFlags.Static, [typeof(string), typeof(IFormatProvider), type.MakeByRefType()]);
        if (tryParse is null) return null;
        return (bool)tryParse.Invoke(null, [value, CultureInfo.InvariantCulture, null])!;
    }

    [GeneratedRegex("""^Failed to bind parameter "(?<type>[^"]+) (?<name>[^" ]+)" from "(?<value>.*)"\.$""", RegexOptions.Singleline)]
    private static partial Regex NotBound();

    [GeneratedRegex("""^Required parameter "(?<type>[^"]+) (?<name>[^" ]+)" was not provided""", RegexOptions.Singleline)]
    private static partial Regex Missing();
}
