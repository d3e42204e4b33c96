using System.ComponentModel.DataAnnotations;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;
using FlowConnectors.Server.Hosting.Contracts;

namespace FlowConnectors.Server.Endpoints;

/// <summary>An activity type as the palette shows it: inputs, outputs, outcomes (which fault when unconnected), side effects.</summary>
internal sealed record ActivityResponse(string Type, string Category, string DisplayName, string Description, ActivityInputResponse[] Inputs,
    ActivityOutputResponse[] Outputs, string[] Outcomes, bool DynamicOutcomes, string? LoopBodyOutcome, bool Trigger, string[] ErrorOutcomes, string SideEffects)
{
    public static ActivityResponse Of(ActivityDescriptor d) => new(d.Type, d.Category, d.DisplayName, d.Description,
        [.. d.Inputs.Select(i => new ActivityInputResponse(i.Name, i.DisplayName, i.Description, i.Type, i.Required, i.Default?.DeepClone(), i.Editor, i.Secret, i.Options is null ? null : [.. i.Options]))],
        [.. d.Outputs.Select(o => new ActivityOutputResponse(o.Name, o.DisplayName, o.Description, o.Type, o.Secret))],
        [.. d.Outcomes], d.DynamicOutcomes, d.LoopBodyOutcome, d.IsTrigger, [.. d.ErrorOutcomes], SideEffectNames.Of(d.SideEffects));
}

internal sealed record ActivityInputResponse(string Name, string DisplayName, string Description, string Type, bool Required, JsonNode? Default, string? Editor,
    bool Secret, string[]? Options);

internal sealed record ActivityOutputResponse(string Name, string DisplayName, string Description, string Type, bool Secret);

/// <summary>A problem of a flow document: its JSON path, code, message, node and whether it is an error or a warning.</summary>
internal sealed record FlowProblemResponse(string Path, string Code, string Message, string? NodeId, string Severity)
{
    public static FlowProblemResponse Of(FormatProblem p) => new(p.Path, p.Code, p.Message, p.NodeId, p.IsError ? "error" : "warning");
}

internal sealed record FlowValidation(bool Valid, FlowProblemResponse[] Problems);

/// <summary>A saved flow version, with the warnings the validator gave.</summary>
internal sealed record FlowSaved(string FlowId, int Version, bool Published, FlowProblemResponse[] Warnings);

internal sealed record FlowVersionResponse(string FlowId, int Version, bool Published, DateTimeOffset CreatedAt);

internal sealed record FlowPublished(string FlowId, int Version, bool Published);

/// <summary>POST /api/flows/{id}/run: inputs per the flow's declared inputs; sync (wait up to timeoutSeconds) or async (202 at once).</summary>
[OptionalBody, RunInputDepth]
internal sealed record FlowRunRequest : JsonRequest<FlowRunRequest>
{
    public JsonObject? Inputs { get; init; }
    /// <summary><c>sync</c> (the default) or <c>async</c>.</summary>
    public string? Mode { get; init; }
    /// <summary>How long a sync run is waited for before the answer is 202 (it runs on).</summary>
    [Range(0.1, 300, ErrorMessage = "must be from 0.1 to 300 seconds")]
    public double? TimeoutSeconds { get; init; }
    [MaxLength(RunOptions.MaxCorrelationIdLength, ErrorMessage = CorrelationIdRule.TooLong)]
    public string? CorrelationId { get; init; }
}

/// <summary>A run that still runs or waits: follow it at <c>location</c>.</summary>
internal sealed record RunAccepted(string InstanceId, string Status, string Location);

/// <summary>A run that ended: its status, outputs (secrets masked) and fault.</summary>
internal sealed record RunFinished(string InstanceId, string Status, JsonObject Outputs, NodeFault? Fault);

/// <summary>An installed connector: manifest fields, connection parameters, and (read one by one) its flows.</summary>
internal sealed record ConnectorResponse(string Key, string Name, string Version, string? Description, string? AccentColor, string? DocumentationUrl, string Auth,
    ConnectorParameterResponse[] ConnectionParameters,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] ConnectorFlowResponse[]? Flows);

internal sealed record ConnectorParameterResponse(string Name, string Label, string Type, bool Required, string? Description, string? Default, ConnectorParameterOption[] Options);

internal sealed record ConnectorParameterOption(string Label, string Value);

internal sealed record ConnectorFlowResponse(string Id, string? Name, [property: FormatDocument(FormatKind.Card)] JsonNode? Card);

/// <summary>The designer's working copy of a flow and its pinned node outputs (node id → { outputs, outcome }).</summary>
internal sealed record DraftResponse([property: FormatDocument(FormatKind.Flow)] JsonObject Flow, JsonObject Pins, DateTimeOffset UpdatedAt, int? LatestVersion);

/// <summary>
/// What an edit started from: the flow's newest version (null: it had none) and its draft's <c>updatedAt</c> (null: it had
/// no draft). A draft saved with it is refused 409 when either changed meanwhile (another tab or person saved or published),
/// instead of replacing their work unseen.
/// </summary>
internal sealed record DraftBase(int? LatestVersion, DateTimeOffset? DraftUpdatedAt);

/// <summary>PUT /api/flows/{id}/draft: the flow (may be unfinished, but must be flow JSON) and its pins.</summary>
internal sealed record DraftSaveRequest : JsonRequest<DraftSaveRequest>
{
    [FormatDocument(FormatKind.Flow)] public JsonObject? Flow { get; init; }
    public JsonObject? Pins { get; init; }
    /// <summary>What this edit started from; without it the draft is replaced whatever happened meanwhile.</summary>
    public DraftBase? Base { get; init; }
}

/// <summary>A saved draft with the engine's problems (reported, not refused).</summary>
internal sealed record DraftSaved(string FlowId, DateTimeOffset UpdatedAt, FlowProblemResponse[] Problems, int? LatestVersion);

internal sealed record DraftPublished(string FlowId, int Version, bool Published, bool Active);

/// <summary>POST /api/flows/{id}/draft/run: a test run of the draft (pinned nodes do not run).</summary>
[OptionalBody, RunInputDepth]
internal sealed record DraftRunRequest : JsonRequest<DraftRunRequest>
{
    public JsonObject? Inputs { get; init; }
}

/// <summary>POST /api/flows/{id}/draft/test-step: one node run with its upstream nodes' outputs given (node id → outputs).</summary>
internal sealed record TestStepRequest : JsonRequest<TestStepRequest>
{
    public string? NodeId { get; init; }
    public JsonObject? Upstream { get; init; }
    public JsonObject? Inputs { get; init; }
}

/// <summary>What one node did in a test step: outcome, error, inputs and outputs as evaluated, duration.</summary>
internal sealed record StepResult(string NodeId, string Status, string? Outcome, string? Error, JsonObject? Inputs, JsonObject? Outputs, string? Duration, DateTimeOffset? StartedAt);

/// <summary>POST /api/expressions/evaluate: <c>{ "js": … }</c> or <c>{ "template": … }</c> against a model { input, vars, nodes }.</summary>
internal sealed record ExpressionRequest : JsonRequest<ExpressionRequest>
{
    public JsonObject? Expression { get; init; }
    public JsonObject? Model { get; init; }
}

/// <summary>The expression's value, or why it could not be evaluated (then <c>error</c> is set).</summary>
internal sealed record ExpressionResult(JsonNode? Value, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);

/// <summary>PUT /api/flows/{id}/active: switches the published version's triggers on or off.</summary>
internal sealed record FlowActiveRequest : JsonRequest<FlowActiveRequest>
{
    public bool? Active { get; init; }
}

internal sealed record FlowActiveResponse(string FlowId, bool Active);
