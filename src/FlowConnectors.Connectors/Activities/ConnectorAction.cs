using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Connectors.Activities;

/// <summary>
/// Runs a connector's card (action flow) with a chosen connection from an automation. The card
/// runs as its own instance inside the connector; its outputs come back here.
/// </summary>
[Activity("Connector.Action", Category = "Connectors", DisplayName = "Connector card", SideEffects = SideEffects.Unsafe,
    Description = "Runs an action card of an installed connector with a connection and returns the card's outputs.")]
internal sealed class ConnectorAction : Activity, INodeSideEffects
{
    [Input(Required = true, Description = "The connector's key, e.g. servicenow.")] public string Connector { get; set; } = "";
    [Input(Required = true, Description = "The card (flow id) to run.")] public string Action { get; set; } = "";
    [Input(Required = true, Description = "The connection to run it with.")] public string Connection { get; set; } = "";
    [Input(Editor = "json", Description = "The card's options and inputs.")] public JsonObject? Inputs { get; set; }

    [Output] public JsonObject Outputs { get; private set; } = [];

    protected override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context) => RunCardAsync(context);

    /// <summary>The card's declared side effects, when the node names an installed connector's card literally.</summary>
    public SideEffects? SideEffectsOf(IReadOnlyDictionary<string, JsonNode?> literalInputs, IReadOnlySet<string> expressionInputs, IServiceProvider services)
    {
        if (services.GetService(typeof(ConnectorRuntime)) is not ConnectorRuntime runtime
            || (string?)literalInputs.GetValueOrDefault("connector") is not { } connector || (string?)literalInputs.GetValueOrDefault("action") is not { } action
            || !runtime.Installed.IsInstalled(connector))
            return null;
        return runtime.Installed.GetConnector(connector).FindFlow(action)?.Card?.EffectiveSideEffects;
    }

    /// <summary>Back from a budget wait (a Delay bookmark): the card runs now, or waits again if the budget is still short.</summary>
    protected override ValueTask<ActivityResult> ResumeAsync(ActivityContext context, Bookmark bookmark, JsonNode? payload) => RunCardAsync(context);

    private async ValueTask<ActivityResult> RunCardAsync(ActivityContext context)
    {
        var runtime = context.Services.GetService(typeof(ConnectorRuntime)) as ConnectorRuntime
                      ?? throw new ActivityFaultException("no connectors are installed in this host");
        var lane = Budgets.BudgetLanes.Parse(context.GetProperty(Budgets.BudgetLanes.Property));
        // A long wait for the connection's budget suspends the instance durably (as Delay does) instead of holding
        // a worker; interactive runs have someone waiting for them and wait in memory.
        if (lane != Budgets.BudgetLane.Interactive && runtime.Options.SuspendBudgetWaitsLongerThan is { } longest && runtime.Installed.IsInstalled(Connector))
        {
            var wait = await runtime.Budgets.EstimateWaitAsync(runtime.Installed.GetConnector(Connector).Manifest, Connection, lane, context.CancellationToken);
            if (wait > longest)
            {
                var resumeAt = context.Clock.GetUtcNow() + wait;
                context.CreateBookmark("delay", new JsonObject
                {
                    ["resumeAt"] = resumeAt.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", System.Globalization.CultureInfo.InvariantCulture),
                    ["reason"] = $"waiting for the rate-limit budget of connection '{Connection}'",
                });
                return ActivityResult.Suspend;
            }
        }
        Engine.Runtime.FlowRunResult run;
        try
        {
            // A connection chosen by an expression was not checked when the flow was published: the run checks it.
            run = await runtime.Actions.RunFlowAsync(Connector, Action, Connection, Inputs, context.CancellationToken, lane, context.IdempotencyKey,
                connectionChosenByFlow: context.InputIsExpression("connection") ? context.FlowId : null);
        }
        catch (Exception e) when (e is ConnectorException or Engine.Runtime.FlowInputException)
        {
            throw new ActivityFaultException($"{Connector}/{Action}: {e.Message}");
        }
        // The card's run knew the connection's credentials (and what its requests sent); this run must mask
        // them too, in the card's outputs and in anything derived from them later.
        context.RegisterSecrets(run.Secrets);
        if (run.Status != FlowStatus.Finished)
            throw new ActivityFaultException($"{Connector}/{Action} {run.Status.ToString().ToLowerInvariant()}: {run.Fault?.Message}");
        Outputs = run.OutputsAsJson();
        return ActivityResult.Done;
    }
}
