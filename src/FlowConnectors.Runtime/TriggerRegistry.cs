using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Scheduling;

namespace FlowConnectors.Server.Runtime;

/// <summary>
/// Keeps a published flow's triggers in the store: an <c>Http.Endpoint</c> start node is found by
/// the hash of its path; a <c>Schedule.*</c> start node gets a durable timer for its next occurrence.
/// </summary>
internal sealed class TriggerRegistry(ITriggerStore triggers, ITimerStore timers, Lazy<SchedulerService> scheduler, TimeProvider clock, IFlowStore flows, ILogger<TriggerRegistry> logger)
{
    public async Task RegisterAsync(FlowDefinition flow, CancellationToken ct = default)
    {
        // A flow switched off (Active) keeps no triggers: registering nothing removes the ones it had.
        if (await flows.GetActiveAsync(flow.Id, ct) == false) flow = new FlowDefinition { Id = flow.Id };
        var existing = await triggers.ListAsync(flow.Id, ct);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in flow.Nodes.Where(n => n.Type == "Http.Endpoint"))
        {
            if (node.Inputs.GetValueOrDefault("path") is not JsonValue pathValue || !pathValue.TryGetValue(out string? path)) continue;
            var methods = node.Inputs.GetValueOrDefault("methods") as JsonArray ?? ["POST"];
            var id = $"{flow.Id}:{node.Id}";
            keep.Add(id);
            await triggers.SaveAsync(new TriggerRecord(id, flow.Id, "http", StartupLoader.HttpTriggerHash(path), new JsonObject
            {
                ["path"] = path,
                ["node"] = node.Id,
                ["methods"] = methods.DeepClone(),
                ["correlationPath"] = node.Inputs.GetValueOrDefault("correlationPath")?.DeepClone(),
                // What a request must carry (API key, shared secret, HMAC); references to secrets only.
                ["auth"] = node.Inputs.GetValueOrDefault("auth")?.DeepClone(),
                ["dedupe"] = node.Inputs.GetValueOrDefault("dedupe")?.DeepClone(),
                ["statusVariable"] = node.Inputs.GetValueOrDefault("statusVariable")?.DeepClone(),
                ["required"] = node.Inputs.GetValueOrDefault("required")?.DeepClone(),
            }, true), ct);
        }
        var schedules = ScheduleTriggers.Describe(flow);
        foreach (var problem in schedules.Problems.Where(p => p.IsError))
            logger.LogWarning("flow {Flow}: schedule trigger not registered: {Problem}", flow.Id, problem);
        var pending = await timers.ListAsync(ct);
        foreach (var trigger in schedules.Triggers)
        {
            var id = $"{flow.Id}:{trigger.NodeId}";
            keep.Add(id);
            var spec = trigger.Spec.ToJson();
            var record = new TriggerRecord(id, flow.Id, "schedule", Bookmark.ComputeHash("schedule", new JsonObject { ["trigger"] = id }), new JsonObject { ["schedule"] = spec }, true);
            var before = existing.FirstOrDefault(t => t.Id == id);
            await triggers.SaveAsync(record, ct);
            var unchanged = before is not null && JsonNode.DeepEquals(before.Config["schedule"], spec);
            if (unchanged && pending.Any(t => t.TriggerId == id)) continue;
            // A new or changed schedule: drop its old timer, schedule the next occurrence from now.
            foreach (var stale in pending.Where(t => t.TriggerId == id)) await scheduler.Value.Scheduler.CancelAsync(stale.Id, ct);
            if (ScheduleTriggers.CreateTimer(id, trigger.Spec, clock.GetUtcNow()) is { } timer)
                await scheduler.Value.Scheduler.ScheduleAsync(timer, ct);
        }
        foreach (var gone in existing.Where(t => !keep.Contains(t.Id)))
        {
            await triggers.DeleteAsync(gone.Id, ct);
            foreach (var stale in pending.Where(t => t.TriggerId == gone.Id)) await scheduler.Value.Scheduler.CancelAsync(stale.Id, ct);
        }
    }
}
