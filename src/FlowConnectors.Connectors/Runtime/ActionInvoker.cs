using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>Runs a connector's flows with a connection: cards (actions), unsaved drafts, dynamic dropdowns and dynamic inputs.</summary>
public sealed class ActionInvoker
{
    private const string ConnectorProperty = ConnectorRuntime.ConnectorProperty;
    private const string ConnectionProperty = ConnectorRuntime.ConnectionProperty;
    private readonly ConnectorRegistry _installed;
    private readonly ConnectionService _connections;

    internal ActionInvoker(ConnectorRegistry installed, ConnectionService connections)
    {
        _installed = installed;
        _connections = connections;
    }

    public async Task<FlowRunResult> RunFlowAsync(string connectorKey, string flowId, string? connectionId, JsonObject? inputs,
        CancellationToken cancellationToken = default, FlowConnectors.Connectors.Budgets.BudgetLane lane = FlowConnectors.Connectors.Budgets.BudgetLane.Interactive,
        string? idempotencyBase = null, string? connectionChosenByFlow = null)
    {
        var loaded = _installed.Loaded(connectorKey);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            [ConnectorProperty] = connectorKey,
            [FlowConnectors.Connectors.Budgets.BudgetLanes.Property] = FlowConnectors.Connectors.Budgets.BudgetLanes.Name(lane),
        };
        // The card's requests derive their idempotency keys from the calling node's key, not from this run's new instance id.
        if (idempotencyBase is not null) properties[FlowConnectors.Engine.Runtime.IdempotencyKeys.BaseProperty] = idempotencyBase;
        IReadOnlyCollection<string>? secrets = null;
        if (connectionId is not null)
        {
            if (_connections.ConnectionUseCheck is { } check) await check(new ConnectionUse(connectionId, connectionChosenByFlow), cancellationToken);
            var connection = await _connections.GetConnectionAsync(connectionId, cancellationToken);
            if (connection.ConnectorKey != loaded.Package.Manifest.Key)
                throw new ConnectorException($"connection '{connectionId}' belongs to connector '{connection.ConnectorKey}', not '{loaded.Package.Manifest.Key}'");
            if (connection.Status == ConnectionStatus.Deauthorized)
                throw new ConnectorException($"connection '{connectionId}' is deauthorized{(connection.StatusReason is null ? "" : $": {connection.StatusReason}")}");
            properties[ConnectionProperty] = connectionId;
            // Known from the start, so a value echoed before any request is sent is masked too.
            secrets = connection.SecretStrings().ToList();
        }
        var compiled = loaded.Compile(flowId);
        return await loaded.Engine.RunAsync(compiled, inputs, new RunOptions { Properties = properties, Secrets = secrets }, cancellationToken);
    }

    /// <summary>
    /// Runs a flow that is not installed as it stands (the designer's unsaved card, or a derived test-step flow) inside
    /// the connector: CallFlow finds the connector's installed flows (httpHelper) and the connection applies as for any
    /// card run. <paramref name="prepare"/> writes pinned or upstream outputs into the instance before it starts.
    /// </summary>
    /// <returns>The run, and the connection's secret values: a prepared run learns them only when a request applies them,
    /// so the caller masks them in what it shows (<see cref="FlowRunResult.Secrets"/> holds the ones the run registered).</returns>
    public async Task<(FlowRunResult Run, IReadOnlyCollection<string> Secrets)> RunDraftAsync(string connectorKey, Engine.Flows.FlowDefinition flow,
        string? connectionId, JsonObject? inputs, Action<FlowInstanceState>? prepare, CancellationToken cancellationToken = default)
    {
        var loaded = _installed.Loaded(connectorKey);
        var properties = new Dictionary<string, string>(StringComparer.Ordinal) { [ConnectorProperty] = connectorKey };
        IReadOnlyCollection<string>? secrets = null;
        if (connectionId is not null)
        {
            if (_connections.ConnectionUseCheck is { } check) await check(new ConnectionUse(connectionId, null), cancellationToken);
            var connection = await _connections.GetConnectionAsync(connectionId, cancellationToken);
            if (connection.ConnectorKey != loaded.Package.Manifest.Key)
                throw new ConnectorException($"connection '{connectionId}' belongs to connector '{connection.ConnectorKey}', not '{loaded.Package.Manifest.Key}'");
            if (connection.Status == ConnectionStatus.Deauthorized)
                throw new ConnectorException($"connection '{connectionId}' is deauthorized{(connection.StatusReason is null ? "" : $": {connection.StatusReason}")}");
            properties[ConnectionProperty] = connectionId;
            secrets = connection.SecretStrings().ToList();
        }
        var compiled = loaded.Engine.Compile(flow);
        var options = new RunOptions { Properties = properties, Secrets = secrets };
        if (prepare is null) return (await loaded.Engine.RunAsync(compiled, inputs, options, cancellationToken), secrets ?? []);
        var state = loaded.Engine.CreateInstance(compiled, inputs, options);
        prepare(state);
        return (await loaded.Engine.ContinueAsync(compiled, state, cancellationToken), secrets ?? []);
    }
    /// <summary>Loads a dynamic dropdown: runs the field's helper flow with the values it depends on.</summary>
    public async Task<JsonArray> LoadDropdownAsync(string connectorKey, string flowId, string field, string connectionId, JsonObject values,
        CancellationToken cancellationToken = default)
    {
        var flow = _installed.GetConnector(connectorKey).FindFlow(flowId) ?? throw new ConnectorException($"connector '{connectorKey}' has no flow '{flowId}'");
        if (flow.Card?.Fields.GetValueOrDefault(field)?.Dropdown is not { } source)
            throw new ConnectorException($"field '{field}' of '{flowId}' has no dynamic dropdown");
        var inputs = new JsonObject();
        foreach (var dependency in source.DependsOn)
            inputs[dependency] = values[dependency]?.DeepClone();
        var answers = VendorAnswers.Begin();
        FlowRunResult run;
        try
        {
            run = await RunFlowAsync(connectorKey, source.Flow, connectionId, inputs, cancellationToken);
        }
        catch (FlowInputException e)
        {
            // A helper flow that does not declare a dependsOn field (deploy validation refuses that now) or a bad value: the caller's 4xx, not a 500.
            throw new ConnectorException($"dropdown flow '{source.Flow}' does not accept the values of {string.Join(", ", source.DependsOn)}: {string.Join("; ", e.Problems)}");
        }
        finally { VendorAnswers.End(); }
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"dropdown flow '{source.Flow}' failed: {run.Fault?.Message}");
        // A helper that maps an error answer to an empty list would hide a wrong token: the user sees the vendor's error instead.
        if (answers.Failure is { } failure && (run.Outputs.GetValueOrDefault("items") as JsonArray ?? []).Count == 0)
            throw new ConnectorException($"dropdown flow '{source.Flow}' got no items: the vendor answered {failure}");
        var items = run.Outputs.GetValueOrDefault("items") as JsonArray ?? throw new ConnectorException($"dropdown flow '{source.Flow}' must return 'items'");
        // Okta's rule: a dropdown item is { key, value }.
        foreach (var item in items)
            if (item is not JsonObject o || o["key"] is null || o["value"] is null)
                throw new ConnectorException($"dropdown flow '{source.Flow}' returned an item that is not {{ \"key\": …, \"value\": … }}: {Engine.Values.JsonValues.ToText(item)}");
        return items;
    }

    /// <summary>
    /// Loads a card's dynamic input fields: runs its <c>dynamicInputs</c> helper flow with the values it
    /// depends on; returns <c>[{ name, label, type, required }]</c>.
    /// </summary>
    public async Task<JsonArray> LoadDynamicInputsAsync(string connectorKey, string flowId, string connectionId, JsonObject values,
        CancellationToken cancellationToken = default)
    {
        var flow = _installed.GetConnector(connectorKey).FindFlow(flowId) ?? throw new ConnectorException($"connector '{connectorKey}' has no flow '{flowId}'");
        if (flow.Card?.DynamicInputs is not { } source) throw new ConnectorException($"'{flowId}' has no dynamic inputs");
        var inputs = new JsonObject();
        foreach (var dependency in source.DependsOn) inputs[dependency] = values[dependency]?.DeepClone();
        var answers = VendorAnswers.Begin();
        FlowRunResult run;
        try { run = await RunFlowAsync(connectorKey, source.Flow, connectionId, inputs, cancellationToken); }
        finally { VendorAnswers.End(); }
        if (run.Status != FlowStatus.Finished) throw new ConnectorException($"dynamic inputs flow '{source.Flow}' failed: {run.Fault?.Message}");
        if (answers.Failure is { } failure && (run.Outputs.GetValueOrDefault("fields") as JsonArray ?? []).Count == 0)
            throw new ConnectorException($"dynamic inputs flow '{source.Flow}' got no fields: the vendor answered {failure}");
        var fields = run.Outputs.GetValueOrDefault("fields") as JsonArray
                     ?? throw new ConnectorException($"dynamic inputs flow '{source.Flow}' must return 'fields'");
        foreach (var field in fields)
            if (field is not JsonObject f || (string?)f["name"] is not { Length: > 0 } || !Engine.Values.ValueTypes.IsKnown((string?)f["type"] ?? "string"))
                throw new ConnectorException($"dynamic inputs flow '{source.Flow}' returned a field without a name or with an unknown type: {field?.ToJsonString()}");
        return fields;
    }
}
