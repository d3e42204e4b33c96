using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Everything the designer edits of a connector: the manifest as written (schemas/connector.schema.json) and every flow,
/// canonical, with its card; after a write, the validator's warnings.
/// </summary>
internal sealed record ConnectorSource(string Key, bool Installed, [property: FormatDocument(FormatKind.Connector)] JsonObject Manifest, string? IconUrl,
    [property: FormatDocument(FormatKind.Flow, FormatShape.List)] JsonObject[] Flows,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FileProblemResponse[]? Warnings = null);

/// <summary>A problem of a connector file: the file, JSON path, code, message and severity.</summary>
internal sealed record FileProblemResponse(string? File, string Path, string Code, string Message, string Severity);

/// <summary>
/// POST /api/connectors: a new connector's manifest fields (the rest is scaffolded: name, version 1.0.0, auth none, the
/// parameters its auth kind needs) and the paths of its scaffolded _authping and _revoke flows.
/// </summary>
internal sealed record ConnectorCreateRequest(string Key, string? Name = null, string? Version = null, string? Description = null, string? Icon = null,
    string? AccentColor = null, string? DocumentationUrl = null, string? SupportEmail = null, string? BaseUrl = null, JsonObject? Auth = null,
    JsonArray? ConnectionParameters = null, JsonObject? Http = null, string? AuthPingPath = null, string? RevokePath = null);

/// <summary>An action card people can put in their flows.</summary>
internal sealed record ConnectorCardResponse(string Connector, string ConnectorName, string? AccentColor, string? IconUrl, string FlowId, string? Name,
    JsonArray Inputs, JsonArray Outputs, [property: FormatDocument(FormatKind.Card)] JsonNode? Card);

/// <summary>A dynamic dropdown's or dynamic inputs' request: the connection to ask with and the card's option and input values so far.</summary>
internal sealed record DynamicValuesRequest(string ConnectionId, JsonObject? Values = null);

/// <summary>A dynamic dropdown's items: <c>[{ "key": …, "value": … }]</c>.</summary>
internal sealed record DropdownItems(DropdownItem[] Items)
{
    /// <summary>The helper flow's items, which the invoker has checked are objects with a key and a value (Okta's rule).</summary>
    public static DropdownItems Of(JsonArray items) =>
        new([.. items.Select(i => new DropdownItem(i!["key"]!.DeepClone(), i["value"]!.DeepClone()))]);
}

/// <summary>One item of a dynamic dropdown: the key a card stores and the value people see, both any JSON a helper flow returns.</summary>
internal sealed record DropdownItem(JsonNode Key, JsonNode Value);

/// <summary>The inputs a card adds for the values chosen so far.</summary>
internal sealed record DynamicInputs(JsonArray Fields);

/// <summary>
/// A card canvas test run: the flow as the designer holds it (unsaved), the connection to run with, inputs, pinned node
/// outputs; for one step also the node and its upstream nodes' outputs.
/// </summary>
internal sealed record CardTestRequest([property: FormatDocument(FormatKind.Flow)] JsonObject Flow, string? ConnectionId = null, JsonObject? Inputs = null, JsonObject? Pins = null, string? NodeId = null,
    JsonObject? Upstream = null);

/// <summary>A card canvas test run's end: status, outputs, fault and the journal (secrets masked throughout).</summary>
internal sealed record CardTestRun(string Status, JsonObject? Outputs, NodeFault? Fault, JsonArray? Journal);
