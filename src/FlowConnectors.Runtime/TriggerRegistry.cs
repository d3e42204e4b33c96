using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Flows;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Runtime;

/// <summary>
/// Keeps a published flow's triggers in the store. Each trigger node declares its own trigger
/// (<see cref="ActivityRegistry.DeclareTriggers"/>): the hash of its stimulus indexes it, its config holds the
/// rules a host applies before a run starts, and a timed one (a schedule) gets a durable timer for its next
/// occurrence. No activity is named here.
/// </summary>
public sealed class TriggerRegistry(ITriggerStore triggers, ITimerStore timers, Lazy<IDurableTimers> scheduler, ActivityRegistry registry,
    TimeProvider clock, IFlowStore flows, ILogger<TriggerRegistry> logger)
{
    public async Task RegisterAsync(FlowDefinition flow, CancellationToken ct = default)
    {
        // A flow switched off (Active) keeps no triggers: registering nothing removes the ones it had.
        if (await flows.GetActiveAsync(flow.Id, ct) == false) flow = new FlowDefinition { Id = flow.Id };
        var existing = await triggers.ListAsync(flow.Id, ct);
        var keep = new HashSet<string>(StringComparer.Ordinal);
        var declared = registry.DeclareTriggers(flow, clock.GetUtcNow());
        foreach (var problem in declared.Problems)
            logger.LogWarning("flow {Flow}: trigger not registered: {Problem}", flow.Id, problem);
        IReadOnlyList<TimerRecord>? pending = null;
        foreach (var trigger in declared.Triggers)
        {
            var id = $"{flow.Id}:{trigger.NodeId}";
            keep.Add(id);
            var before = existing.FirstOrDefault(t => t.Id == id);
            await triggers.SaveAsync(new TriggerRecord(id, flow.Id, trigger.Kind, trigger.Stimulus.Hash, trigger.Config, true), ct);
            if (trigger.TimerData is null) continue;
            pending ??= await timers.ListAsync(ct);
            var unchanged = before is not null && JsonNode.DeepEquals(before.Config, trigger.Config);
            if (unchanged && pending.Any(t => t.TriggerId == id)) continue;
            // A new or changed schedule: drop its old timer, schedule the next occurrence from now.
            foreach (var stale in pending.Where(t => t.TriggerId == id)) await scheduler.Value.CancelAsync(stale.Id, ct);
            if (trigger.FirstDue is { } due) await scheduler.Value.ScheduleAsync(TimerRecord.ForTrigger(id, due, trigger.TimerData), ct);
        }
        foreach (var gone in existing.Where(t => !keep.Contains(t.Id)))
        {
            await triggers.DeleteAsync(gone.Id, ct);
            pending ??= await timers.ListAsync(ct);
            foreach (var stale in pending.Where(t => t.TriggerId == gone.Id)) await scheduler.Value.CancelAsync(stale.Id, ct);
        }
    }
}
