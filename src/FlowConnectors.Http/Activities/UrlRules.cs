using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Http.Activities;

/// <summary>Validation-time check of a literal url against a literal useConnection.</summary>
internal static class UrlRules
{
    public static void Validate(NodeValidationContext context)
    {
        if (!context.TryGetLiteral("url", out var url) || !JsonValues.TryGetString(url, out var text)) return;
        var useConnection = context.Node.Inputs.ContainsKey("useConnection")
            ? context.TryGetLiteral("useConnection", out var flag) ? JsonValues.IsTruthy(flag) : (bool?)null
            : false;
        if (useConnection != false) return;
        var absolute = Uri.TryCreate(text, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps);
        if (!absolute)
            context.AddError("INVALID_URL", "url", $"url '{text}' is not an absolute http or https URL (a relative URL needs useConnection: true)");
    }
}
