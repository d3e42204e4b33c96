using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>
/// <c>connector.json</c> as written (schemas/connector.schema.json), read by System.Text.Json once the schema check
/// has left out the values of the wrong type; <see cref="ManifestReader"/> makes the <see cref="ConnectorManifest"/> of it.
/// </summary>
internal sealed class ManifestDocument
{
    public string? Key { get; init; }
    public string? Name { get; init; }
    public string? Version { get; init; }
    public string? Description { get; init; }
    public string? Icon { get; init; }
    public string? AccentColor { get; init; }
    public string? DocumentationUrl { get; init; }
    public string? SupportEmail { get; init; }
    public string? BaseUrl { get; init; }
    public string? BaseUrlParameter { get; init; }
    public AuthDocument? Auth { get; init; }
    public Dictionary<string, AuthDocument?>? AdditionalAuth { get; init; }
    public List<ParameterDocument?>? ConnectionParameters { get; init; }
    public List<PresetDocument?>? ConnectionPresets { get; init; }
    public JsonObject? Http { get; init; }
    /// <summary>Checked and read by <see cref="LimitsReader"/>, whose messages are sharper than the schema's.</summary>
    public JsonNode? RateLimits { get; init; }
    public JsonNode? TokenExpiry { get; init; }
}

internal sealed class AuthDocument
{
    public string? Kind { get; init; }
    public string? UsernameParameter { get; init; }
    public string? PasswordParameter { get; init; }
    public string? Parameter { get; init; }
    public string? In { get; init; }
    public string? Name { get; init; }
    public string? TokenType { get; init; }
    public string? TokenUrl { get; init; }
    public string? AuthorizeUrl { get; init; }
    public string? RefreshUrl { get; init; }
    public string? ClientIdParameter { get; init; }
    public string? ClientSecretParameter { get; init; }
    public string? Scope { get; init; }
    public string? ClientAuthentication { get; init; }
    public string? Flow { get; init; }
    public bool? Refreshable { get; init; }
}

internal sealed class ParameterDocument
{
    public string? Name { get; init; }
    public string? Label { get; init; }
    public string? Type { get; init; }
    public bool? Required { get; init; }
    public string? Description { get; init; }
    public string? Default { get; init; }
    public List<OptionDocument?>? Options { get; init; }
}

internal sealed class OptionDocument
{
    public string? Label { get; init; }
    public string? Value { get; init; }
}

internal sealed class PresetDocument
{
    public string? Name { get; init; }
    public Dictionary<string, string>? Values { get; init; }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(ManifestDocument))]
internal sealed partial class ManifestJsonContext : JsonSerializerContext;
