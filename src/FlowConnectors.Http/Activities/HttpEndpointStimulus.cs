using System.Text.Json.Nodes;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Http;

/// <summary>A request to <c>/hooks/&lt;path&gt;</c>: finds the HTTP endpoint trigger of that path (case and slashes aside).</summary>
public sealed record HttpEndpointStimulus(string Path) : Stimulus
{
    public const string BookmarkName = "http";

    public override string Name => BookmarkName;

    public override JsonObject Correlation() => new() { ["path"] = Path.Trim('/').ToLowerInvariant() };

    public override string Describe() => $"a request to /hooks/{Path.Trim('/')}";

    public static HttpEndpointStimulus? FromCorrelation(JsonNode? payload) =>
        payload?["path"] is JsonValue path && path.TryGetValue(out string? text) ? new HttpEndpointStimulus(text) : null;
}
