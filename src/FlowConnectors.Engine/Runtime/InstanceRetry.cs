using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Runtime;

/// <summary>A node a retry or a crash recovery runs again, with what running it again does outside the instance.</summary>
/// <param name="Reason">failed (the node that faulted), redelivered (it faulted while resuming: its stored stimulus is delivered again), unfinished (running or queued when it faulted), queued (recovery: work since the last save) or downstream (recovery: may have run before the crash).</param>
/// <param name="IdempotencyKey">The key its requests carry when they send one; null where the pass it runs in is not known yet.</param>
public sealed record RerunNode(string NodeId, string ActivityType, SideEffects SideEffects, string Iteration, string? IdempotencyKey, string Reason)
{
    public JsonObject ToJson() => new()
    {
        ["nodeId"] = NodeId,
        ["activityType"] = ActivityType,
        ["sideEffects"] = SideEffectNames.Of(SideEffects),
        ["iteration"] = Iteration,
        ["idempotencyKey"] = IdempotencyKey,
        ["reason"] = Reason,
    };
}

/// <summary>
/// Why a retry cannot be done as asked; <see cref="Code"/> is stable, <see cref="Problems"/> says what is wrong with each
/// node concerned (a node may have more than one), <see cref="Nodes"/> names them once each.
/// </summary>
public sealed class RetryRefusedException(string code, string message, IReadOnlyList<RetryNodeProblem> problems) : Exception(message)
{
    public string Code { get; } = code;
    public IReadOnlyList<RetryNodeProblem> Problems { get; } = problems;
    public IReadOnlyList<string> Nodes { get; } = problems.Select(p => p.NodeId).Distinct(StringComparer.Ordinal).ToList();
}

/// <summary>One thing wrong with node <see cref="NodeId"/> (of the instance's version) for a retry.</summary>
public sealed record RetryNodeProblem(string NodeId, string Message);

/// <summary>
/// Retrying a faulted instance from its failed node, on its own version or another (the latest published), with the
/// state it had: the failed node, and the work the fault stopped, run again; completed nodes, loop passes and fork
/// branches are not. Node ids the state refers to that the other version lacks must be mapped (old id → new id).
/// </summary>
public static class InstanceRetry
{
    public const string RefusedNotFaulted = "NOT_FAULTED";
    public const string RefusedNoRetryPoint = "NO_RETRY_POINT";
    public const string RefusedMappingRequired = "MAPPING_REQUIRED";
    public const string RefusedMappingInvalid = "MAPPING_INVALID";

    /// <summary>What a retry would run again, without changing <paramref name="state"/>. Throws <see cref="RetryRefusedException"/>.</summary>
    public static IReadOnlyList<RerunNode> Plan(FlowInstanceState state, CompiledFlow from, CompiledFlow to, IReadOnlyDictionary<string, string>? mapping,
        IServiceProvider services, int? toVersion = null) =>
        Apply(FlowInstanceState.FromJson(state.ToJson()), from, to, mapping, services, toVersion);

    /// <summary>
    /// Puts the faulted instance back to running at its retry point on <paramref name="to"/>: its state is ready for
    /// <see cref="FlowEngine.ContinueAsync"/>. Returns the nodes that run again. Throws <see cref="RetryRefusedException"/>
    /// (the state is then unchanged). <paramref name="toVersion"/> is <paramref name="to"/>'s stored version number, for the
    /// messages (a stored definition does not carry it).
    /// </summary>
    public static IReadOnlyList<RerunNode> Apply(FlowInstanceState state, CompiledFlow from, CompiledFlow to, IReadOnlyDictionary<string, string>? mapping,
        IServiceProvider services, int? toVersion = null)
    {
        if (state.Status != FlowStatus.Faulted)
            throw new RetryRefusedException(RefusedNotFaulted, $"instance {state.InstanceId} is {state.Status.ToString().ToLowerInvariant()}; only a faulted instance can be retried", []);
        if (state.Retry is not { Work.Count: > 0 } point)
            throw new RetryRefusedException(RefusedNoRetryPoint,
                $"instance {state.InstanceId} faulted outside a node ({state.Fault?.Message}); there is no node to retry from", []);
        mapping ??= new Dictionary<string, string>();
        var version = (toVersion?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? to.Definition.Version) is { } v ? $"version {v} of flow '{to.Definition.Id}'" : $"the target version of flow '{to.Definition.Id}'";
        var problems = new List<RetryNodeProblem>();
        foreach (var (oldId, newId) in mapping)
        {
            if (!from.ById.ContainsKey(oldId)) problems.Add(new(oldId, $"the instance's version has no node '{oldId}'"));
            if (!to.ById.ContainsKey(newId)) problems.Add(new(oldId, $"{version} has no node '{newId}'"));
        }
        if (problems.Count > 0)
            throw new RetryRefusedException(RefusedMappingInvalid, string.Join("; ", problems.Select(p => $"mapping.{p.NodeId}: {p.Message}")), problems);

        // Every node id the state still refers to, with what it is there for.
        var live = new List<(string Id, string Role, bool KeepsState)>();
        foreach (var (item, index) in point.Work.Select((w, i) => (w, i))) live.Add((item.NodeId, index == 0 ? "the failed node" : "unfinished work", false));
        foreach (var bookmark in point.Bookmarks) live.Add((bookmark.NodeId, "a node waiting for a stimulus", true));
        foreach (var scope in state.Scopes.Values) if (scope.OwnerNodeId is { } owner) live.Add((owner, "a loop in progress", true));
        foreach (var join in state.Joins) live.Add((join.NodeId, "a join waiting for branches", true));
        foreach (var key in state.NodeStates.Keys) live.Add((key[..key.LastIndexOf('@')], "a node keeping state", true));
        string Target(string id) => mapping.TryGetValue(id, out var mapped) ? mapped : id;
        var missing = live.Where(l => !to.ById.ContainsKey(Target(l.Id))).DistinctBy(l => l.Id).ToList();
        if (missing.Count > 0)
        {
            var needed = missing.Select(m => new RetryNodeProblem(m.Id,
                $"{version} has no node '{m.Id}' ({m.Role}): map it to a node of that version, e.g. \"mapping\": {{ \"{m.Id}\": \"<node id>\" }}")).ToList();
            throw new RetryRefusedException(RefusedMappingRequired, string.Join("; ", needed.Select(p => p.Message)), needed);
        }
        var mismatched = live.Where(l => l.KeepsState && from.ById.TryGetValue(l.Id, out var old) && old.Type.Descriptor.Type != to.ById[Target(l.Id)].Type.Descriptor.Type)
            .DistinctBy(l => l.Id).ToList();
        if (mismatched.Count > 0)
        {
            var cannot = mismatched.Select(m => new RetryNodeProblem(m.Id,
                $"node '{m.Id}' ({m.Role}) is a {from.ById[m.Id].Type.Descriptor.Type}, and '{Target(m.Id)}' in {version} is a {to.ById[Target(m.Id)].Type.Descriptor.Type}: its state cannot carry over")).ToList();
            throw new RetryRefusedException(RefusedMappingInvalid, string.Join("; ", cannot.Select(p => p.Message)), cannot);
        }

        // The state, moved onto the target version's node ids.
        var work = point.Work.Select(w => w with { NodeId = Target(w.NodeId), FromNodeId = w.FromNodeId is { } f ? Target(f) : null }).ToList();
        var bookmarks = point.Bookmarks.Select(b => new Bookmark
        {
            Id = b.Id, NodeId = Target(b.NodeId), ScopeId = b.ScopeId, Name = b.Name, Payload = b.Payload, Hash = b.Hash, Data = b.Data, CreatedAt = b.CreatedAt,
        }).ToList();
        foreach (var scope in state.Scopes.Values.ToList())
            if (scope.OwnerNodeId is { } owner && Target(owner) != owner)
                state.Scopes[scope.Id] = new ScopeState { Id = scope.Id, ParentId = scope.ParentId, OwnerNodeId = Target(owner), Pass = scope.Pass, Tokens = scope.Tokens };
        for (var i = 0; i < state.Joins.Count; i++)
        {
            var join = state.Joins[i];
            state.Joins[i] = new JoinState
            {
                NodeId = Target(join.NodeId), ScopeId = join.ScopeId, Fired = join.Fired, HoldsToken = join.HoldsToken,
                Arrived = new HashSet<string>(join.Arrived.Select(Target), StringComparer.Ordinal),
            };
        }
        foreach (var key in state.NodeStates.Keys.ToList())
        {
            var at = key.LastIndexOf('@');
            var moved = Target(key[..at]) + key[at..];
            if (moved == key) continue;
            state.NodeStates[moved] = state.NodeStates[key];
            state.NodeStates.Remove(key);
        }
        foreach (var (oldId, newId) in mapping)
            if (oldId != newId && state.NodeOutputs.Remove(oldId, out var outputs)) state.NodeOutputs[newId] = outputs;
        foreach (var variable in to.Definition.Variables)
            if (!state.Variables.ContainsKey(variable.Name))
                state.Variables[variable.Name] = variable.Default is null ? null : ValueConverter.ConvertToType(variable.Default.DeepClone(), variable.Type);

        // A node that faulted after its resume gets the stored stimulus again, rather than running from its start and waiting anew.
        var resumed = point.Resumed is { } stimulus && work.Count > 0 && stimulus.Bookmark.NodeId == point.Work[0].NodeId ? stimulus : null;
        state.Queue.Clear();
        state.Queue.AddRange(resumed is null ? work : work.Skip(1));
        state.Redeliver = resumed is null ? null : new StoredStimulus
        {
            Bookmark = new Bookmark
            {
                Id = resumed.Bookmark.Id, NodeId = Target(resumed.Bookmark.NodeId), ScopeId = resumed.Bookmark.ScopeId, Name = resumed.Bookmark.Name,
                Payload = resumed.Bookmark.Payload, Hash = resumed.Bookmark.Hash, Data = resumed.Bookmark.Data, CreatedAt = resumed.Bookmark.CreatedAt,
            },
            Payload = resumed.Payload?.DeepClone(),
        };
        state.Bookmarks.Clear();
        state.Bookmarks.AddRange(bookmarks);
        state.Status = FlowStatus.Running;
        state.Fault = null;
        state.Retry = null;
        state.FlowVersion = to.Definition.Version;
        return work.Select((w, i) => Rerun(to, state, w, i > 0 ? "unfinished" : resumed is null ? "failed" : "redelivered", services)).ToList();
    }

    /// <summary>
    /// What a crash recovery may send again: the queued work (or the node a stimulus resumes) and every node with side
    /// effects it can lead to, since the run since the last save did not record how far it got.
    /// </summary>
    public static IReadOnlyList<RerunNode> MayRunAgain(CompiledFlow flow, FlowInstanceState state, string? resumedNodeId, int? resumedScopeId, IServiceProvider services)
    {
        var result = new List<RerunNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Queue<CompiledNode>();
        var first = resumedNodeId is null
            ? state.Queue.Where(w => flow.ById.ContainsKey(w.NodeId)).ToList()
            : flow.ById.ContainsKey(resumedNodeId) ? [new WorkItem(resumedNodeId, resumedScopeId ?? 0, WorkKind.Execute)] : [];
        foreach (var item in first)
        {
            if (!seen.Add(item.NodeId)) continue;
            result.Add(Rerun(flow, state, item, resumedNodeId is null ? "queued" : "resumed", services));
            pending.Enqueue(flow.ById[item.NodeId]);
        }
        while (pending.TryDequeue(out var node))
            foreach (var target in node.Targets.Values.SelectMany(t => t))
            {
                if (!seen.Add(target.Id)) continue;
                pending.Enqueue(target);
                var effects = SideEffectsOf(target, services);
                if (effects != SideEffects.None) result.Add(new RerunNode(target.Id, target.Type.Descriptor.Type, effects, "", null, "downstream"));
            }
        return result;
    }

    /// <summary>
    /// A node's side effects: the node's own <c>sideEffects</c> when its author declared them, else its activity's
    /// declaration, narrowed by the node's literal inputs where the activity can tell.
    /// </summary>
    public static SideEffects SideEffectsOf(CompiledFlow flow, string nodeId, IServiceProvider services) =>
        flow.ById.TryGetValue(nodeId, out var node) ? SideEffectsOf(node, services) : SideEffects.None;

    internal static SideEffects SideEffectsOf(CompiledNode node, IServiceProvider services)
    {
        if (node.Definition.SideEffects is { } declaredByNode) return declaredByNode;
        var declared = node.Type.Descriptor.SideEffects;
        if (node.Type.NodeSideEffects is not { } narrowing) return declared;
        var literals = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        var expressions = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in node.Inputs)
            if (input.Value is ConstantValue constant) literals[input.Binding.Descriptor.Name] = constant.Value;
            else expressions.Add(input.Binding.Descriptor.Name);
        try
        {
            return narrowing.SideEffectsOf(literals, expressions, services) ?? declared;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not knowing better is no reason to claim less: the declaration stands.
            return declared;
        }
    }

    private static RerunNode Rerun(CompiledFlow flow, FlowInstanceState state, WorkItem item, string reason, IServiceProvider services)
    {
        var node = flow.ById[item.NodeId];
        var iteration = IdempotencyKeys.IterationOf(state, item.ScopeId);
        var keyBase = state.Properties.GetValueOrDefault(IdempotencyKeys.BaseProperty) ?? state.InstanceId;
        return new RerunNode(node.Id, node.Type.Descriptor.Type, SideEffectsOf(node, services), iteration, IdempotencyKeys.For(keyBase, node.Id, iteration), reason);
    }
}
