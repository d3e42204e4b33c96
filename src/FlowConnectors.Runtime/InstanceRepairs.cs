using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Runtime;

/// <summary>Which version a retry runs on: the instance's own, the latest published one, or a given stored version.</summary>
public sealed record RetryTarget(int? Version = null, bool Latest = false)
{
    public static readonly RetryTarget Same = new();
    public static readonly RetryTarget LatestPublished = new(null, true);
}

/// <summary>What a retry runs again, on which versions; <see cref="Unsafe"/> are the nodes a retry must be confirmed for.</summary>
public sealed record RetryPlan(string InstanceId, string FlowId, int FromVersion, int ToVersion, IReadOnlyList<RerunNode> Rerun)
{
    public IReadOnlyList<RerunNode> Unsafe => Rerun.Where(r => r.SideEffects == SideEffects.Unsafe).ToList();

    public JsonObject ToJson() => new()
    {
        ["instanceId"] = InstanceId,
        ["flowId"] = FlowId,
        ["fromVersion"] = FromVersion,
        ["toVersion"] = ToVersion,
        ["rerun"] = new JsonArray(Rerun.Select(r => (JsonNode)r.ToJson()).ToArray()),
        ["unsafeNodes"] = new JsonArray(Unsafe.Select(r => (JsonNode)JsonValue.Create(r.NodeId)).ToArray()),
    };
}

/// <summary>The retry would run unsafe nodes again and was not confirmed (<c>confirmUnsafe</c>).</summary>
public sealed class UnsafeRetryException(RetryPlan plan)
    : Exception($"retrying instance {plan.InstanceId} runs again nodes that may do their work twice: {string.Join(", ", plan.Unsafe.Select(u => $"{u.NodeId} ({u.ActivityType})"))}; confirm with confirmUnsafe=true")
{
    public RetryPlan Plan { get; } = plan;
}

/// <summary>Another worker runs the instance right now.</summary>
public sealed class InstanceBusyException(string instanceId) : Exception($"instance {instanceId} is being run or changed right now; try again in a moment");

/// <summary>An instance in a state that does not allow the change (e.g. altering one that is not suspended).</summary>
public sealed class InstanceStateConflictException(string message) : Exception(message);

/// <summary>
/// Which faulted instances "retry all" takes: all conditions hold. They are matched against stored fields — the instance's
/// flow, version and time of its fault, and its structured fault (node id exactly, the faulted node's activity type, the
/// message containing a text, case-insensitive) — never against the fault's display text.
/// </summary>
public sealed record FaultedFilter(string? FlowId = null, string? NodeId = null, string? Message = null, DateTimeOffset? From = null, DateTimeOffset? To = null,
    int Max = 100, int? FlowVersion = null, string? ActivityType = null);

/// <summary>One instance of a "retry all": retried with its plan, or refused with the reason (and the unsafe nodes, when that is why).</summary>
public sealed record RetryAllItem(string InstanceId, RetryPlan? Plan, string? Refused, string? Code);

/// <summary>
/// Retry and repair of instances from outside their runs: retry a faulted instance from its failed node (on its version
/// or the latest published one, with a node mapping when the flow changed), retry every faulted instance a filter
/// selects, and alter a suspended one (set a variable, cancel a wait). Each change is made under the instance's lease,
/// recorded in its history with who made it, and its journal says which nodes run again.
/// </summary>
public sealed class InstanceRepairs(WorkflowHost host, IInstanceStore instances, IFlowStore flows, RuntimeOptions options, IServiceProvider services,
    TimeProvider clock, ILogger<InstanceRepairs> logger)
{
    /// <summary>What a retry would run again, changing nothing. Throws <see cref="NotFoundException"/> or <see cref="RetryRefusedException"/>.</summary>
    public async Task<RetryPlan> PlanAsync(string instanceId, RetryTarget target, IReadOnlyDictionary<string, string>? mapping, CancellationToken ct)
    {
        var stored = await instances.GetAsync(instanceId, ct) ?? throw new NotFoundException($"instance '{instanceId}' does not exist");
        var (from, to, toVersion) = await FlowsAsync(stored, target, ct);
        var rerun = InstanceRetry.Plan(stored.State, from, to, mapping, services, toVersion);
        return new RetryPlan(instanceId, stored.State.FlowId, stored.FlowVersion, toVersion, rerun);
    }

    /// <summary>
    /// Takes the instance's lease for a change made from outside its run, or throws why it cannot: missing, ended (the
    /// change needs status <paramref name="needs"/>), or busy.
    /// </summary>
    private async Task TakeLeaseAsync(string instanceId, FlowStatus needs, CancellationToken ct)
    {
        // A run of this process holds the lease under the same owner name: taking it would succeed, and releasing it
        // after a refusal would leave that run unleased.
        if (!host.IsRunningHere(instanceId) && await instances.TryAcquireLeaseAsync(instanceId, host.LeaseOwner, clock.GetUtcNow(), options.LeaseDuration, ct))
            return;
        // A run that has just ended still holds its lease for a moment after its final save. A finished or cancelled
        // instance never changes again, so it is refused for its status, not called busy (which says "try later").
        var stored = await instances.GetAsync(instanceId, ct) ?? throw new NotFoundException($"instance '{instanceId}' does not exist");
        if (stored.State.Status is not (FlowStatus.Finished or FlowStatus.Cancelled)) throw new InstanceBusyException(instanceId);
        var status = stored.State.Status.ToString().ToLowerInvariant();
        throw needs == FlowStatus.Faulted
            ? new RetryRefusedException(InstanceRetry.RefusedNotFaulted, $"instance {instanceId} is {status}; only a faulted instance can be retried", [])
            : new InstanceStateConflictException($"instance {instanceId} is {status}; only a {needs.ToString().ToLowerInvariant()} instance can be altered");
    }

    /// <summary>
    /// Retries a faulted instance from its failed node: its state is put back to running on the target version and it
    /// runs in the background. Unsafe nodes to run again need <paramref name="confirmUnsafe"/> (else
    /// <see cref="UnsafeRetryException"/>, nothing changed).
    /// </summary>
    public async Task<RetryPlan> RetryAsync(string instanceId, RetryTarget target, IReadOnlyDictionary<string, string>? mapping, bool confirmUnsafe, string? by,
        CancellationToken ct)
    {
        await TakeLeaseAsync(instanceId, FlowStatus.Faulted, ct);
        var keepLease = false;
        try
        {
            var stored = await instances.GetAsync(instanceId, ct) ?? throw new NotFoundException($"instance '{instanceId}' does not exist");
            var (from, to, toVersion) = await FlowsAsync(stored, target, ct);
            var state = stored.State;
            var rerun = InstanceRetry.Apply(state, from, to, mapping, services, toVersion);
            var plan = new RetryPlan(instanceId, state.FlowId, stored.FlowVersion, toVersion, rerun);
            if (plan.Unsafe.Count > 0 && !confirmUnsafe) throw new UnsafeRetryException(plan);
            var now = clock.GetUtcNow();
            var detail = $"from node {rerun[0].NodeId} on version {toVersion}" + (toVersion == stored.FlowVersion ? "" : $" (was {stored.FlowVersion})")
                + (mapping is { Count: > 0 } ? "; mapping " + string.Join(", ", mapping.Select(m => $"{m.Key}→{m.Value}")) : "")
                + (plan.Unsafe.Count > 0 ? "; unsafe nodes confirmed: " + string.Join(", ", plan.Unsafe.Select(u => u.NodeId)) : "");
            state.Record(new InstanceChange(now, "retry", by, detail));
            state.UpdatedAt = now;
            var note = new JournalEntry
            {
                NodeId = "@retry", ActivityType = "Retry", StartedAt = now, Outcome = "retry",
                RunBy = services.GetService(typeof(NodeIdentity)) is NodeIdentity node ? node.NodeId : null,
                Outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
                {
                    ["by"] = by, ["fromVersion"] = stored.FlowVersion, ["toVersion"] = toVersion,
                    ["mapping"] = mapping is { Count: > 0 } ? new JsonObject(mapping.Select(m => KeyValuePair.Create(m.Key, (JsonNode?)JsonValue.Create(m.Value)))) : null,
                    ["sentAgain"] = new JsonArray(rerun.Where(r => r.SideEffects != SideEffects.None).Select(r => (JsonNode)r.ToJson()).ToArray()),
                    ["rerun"] = new JsonArray(rerun.Select(r => (JsonNode)r.ToJson()).ToArray()),
                },
            };
            if (!await instances.ReopenAsync(state, toVersion, [note], ct))
                throw new RetryRefusedException(InstanceRetry.RefusedNotFaulted, $"instance {instanceId} is no longer faulted (retried or changed meanwhile)", []);
            logger.LogInformation("instance {Instance} retried by {By}: {Detail}", instanceId, by ?? "(unknown)", detail);
            keepLease = true;
            RunInBackground(instanceId);
            return plan;
        }
        finally
        {
            if (!keepLease) await instances.ReleaseLeaseAsync(instanceId, host.LeaseOwner, CancellationToken.None);
        }
    }

    /// <summary>Retries every faulted instance the filter selects, oldest first; each is retried or refused on its own.</summary>
    public async Task<IReadOnlyList<RetryAllItem>> RetryAllAsync(FaultedFilter filter, RetryTarget target, IReadOnlyDictionary<string, string>? mapping, bool confirmUnsafe,
        string? by, CancellationToken ct)
    {
        var results = new List<RetryAllItem>();
        var candidates = new List<InstanceSummary>();
        // Flow, version, fault node and time are selected by the store (indexed); activity type and message text are
        // checked on each candidate's stored fault.
        for (var skip = 0; candidates.Count < filter.Max; skip += 500)
        {
            var page = await instances.ListFaultedAsync(new FaultedInstanceQuery(filter.FlowId, filter.FlowVersion, filter.NodeId, filter.From, filter.To, skip, 500), ct);
            foreach (var summary in page)
            {
                if ((filter.NodeId ?? filter.ActivityType ?? filter.Message) is not null && !Matches((await instances.GetAsync(summary.InstanceId, ct))?.State.Fault, filter))
                    continue;
                candidates.Add(summary);
                if (candidates.Count >= filter.Max) break;
            }
            if (page.Count < 500) break;
        }
        foreach (var summary in candidates.OrderBy(c => c.UpdatedAt))
        {
            try
            {
                results.Add(new RetryAllItem(summary.InstanceId, await RetryAsync(summary.InstanceId, target, mapping, confirmUnsafe, by, ct), null, null));
            }
            catch (UnsafeRetryException e) { results.Add(new RetryAllItem(summary.InstanceId, e.Plan, e.Message, "UNSAFE_NOT_CONFIRMED")); }
            catch (RetryRefusedException e) { results.Add(new RetryAllItem(summary.InstanceId, null, e.Message, e.Code)); }
            catch (InstanceBusyException e) { results.Add(new RetryAllItem(summary.InstanceId, null, e.Message, "BUSY")); }
            catch (NotFoundException e) { results.Add(new RetryAllItem(summary.InstanceId, null, e.Message, "NOT_FOUND")); }
        }
        return results;
    }

    /// <summary>The structured fault against the filter's node id (exact), activity type and message text (contained, case-insensitive).</summary>
    private static bool Matches(FlowFault? fault, FaultedFilter filter) =>
        fault is not null
        && (filter.NodeId is not { } node || fault.NodeId == node)
        && (filter.ActivityType is not { } type || string.Equals(fault.ActivityType, type, StringComparison.OrdinalIgnoreCase))
        && (filter.Message is not { } message || fault.Message.Contains(message, StringComparison.OrdinalIgnoreCase));

    /// <summary>
    /// Alters a suspended instance: sets variables, cancels waits (node or bookmark ids). All or nothing; recorded in its
    /// history. When nothing waits any more (or a loop goes on) it runs on. Returns the instance's status after the change.
    /// </summary>
    public async Task<FlowStatus> AlterAsync(string instanceId, IReadOnlyDictionary<string, JsonNode?> variables, IReadOnlyList<string> cancelWaits, string? by,
        CancellationToken ct)
    {
        await TakeLeaseAsync(instanceId, FlowStatus.Suspended, ct);
        var keepLease = false;
        try
        {
            var stored = await instances.GetAsync(instanceId, ct) ?? throw new NotFoundException($"instance '{instanceId}' does not exist");
            var state = stored.State;
            if (state.Status != FlowStatus.Suspended)
                throw new InstanceStateConflictException($"instance {instanceId} is {state.Status.ToString().ToLowerInvariant()}; only a suspended instance can be altered");
            var flow = WorkflowHost.DraftOf(state, stored.FlowVersion) is { } draft
                ? host.Engine.Compile(draft)
                : (await host.CompileAsync(state.FlowId, stored.FlowVersion, ct)).Flow;
            var changes = new List<string>();
            foreach (var (name, value) in variables)
            {
                InstanceAlterations.SetVariable(state, flow, name, value);
                changes.Add($"set variable {name}");
            }
            var run = false;
            foreach (var wait in cancelWaits)
            {
                run = InstanceAlterations.CancelWait(state, flow, wait);
                changes.Add($"cancelled the wait at {wait}");
            }
            var now = clock.GetUtcNow();
            var detail = string.Join("; ", changes);
            state.Record(new InstanceChange(now, "alter", by, detail));
            state.UpdatedAt = now;
            var note = new JournalEntry
            {
                NodeId = "@alter", ActivityType = "Alter", StartedAt = now, Outcome = "alter",
                Outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
                {
                    ["by"] = by,
                    ["variables"] = new JsonArray(variables.Keys.Select(k => (JsonNode)JsonValue.Create(k)).ToArray()),
                    ["cancelledWaits"] = new JsonArray(cancelWaits.Select(w => (JsonNode)JsonValue.Create(w)).ToArray()),
                },
            };
            await instances.SaveAsync(state, [note], ct);
            logger.LogInformation("instance {Instance} altered by {By}: {Detail}", instanceId, by ?? "(unknown)", detail);
            if (run)
            {
                keepLease = true;
                RunInBackground(instanceId);
            }
            return state.Status;
        }
        finally
        {
            if (!keepLease) await instances.ReleaseLeaseAsync(instanceId, host.LeaseOwner, CancellationToken.None);
        }
    }

    private void RunInBackground(string instanceId)
    {
        // Under the lease this process holds already: the run takes it over as the same owner.
        var run = Task.Run(() => host.ExecuteAsync(instanceId, null));
        _ = run.ContinueWith(t => logger.LogError("instance {Instance} could not run after its repair: {Error}", instanceId, t.Exception?.InnerException?.Message),
            CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
    }

    private async Task<(CompiledFlow From, CompiledFlow To, int ToVersion)> FlowsAsync(StoredInstance stored, RetryTarget target, CancellationToken ct)
    {
        if (WorkflowHost.DraftOf(stored.State, stored.FlowVersion) is { } draft)
        {
            if (target != RetryTarget.Same)
                throw new RetryRefusedException(InstanceRetry.RefusedMappingInvalid, "an instance of a draft test run can only be retried on its own draft (version \"same\")", []);
            var compiled = host.Engine.Compile(draft);
            return (compiled, compiled, stored.FlowVersion);
        }
        var from = (await host.CompileAsync(stored.State.FlowId, stored.FlowVersion, ct)).Flow;
        if (target == RetryTarget.Same || target.Version == stored.FlowVersion) return (from, from, stored.FlowVersion);
        int version;
        if (target.Latest)
            version = (await flows.GetPublishedAsync(stored.State.FlowId, ct))?.Version
                      ?? throw new RetryRefusedException(InstanceRetry.RefusedMappingInvalid, $"flow '{stored.State.FlowId}' has no published version", []);
        else
            version = target.Version!.Value;
        var to = (await host.CompileAsync(stored.State.FlowId, version, ct)).Flow;
        return (from, to, version);
    }
}
