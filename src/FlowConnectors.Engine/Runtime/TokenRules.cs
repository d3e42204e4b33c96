namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// The token, scope and join rules of a run, apart from any activity: which work items a node's outcome
/// schedules, how a scope counts its tokens and closes (a loop body ends and its loop node runs again), and when
/// a join fires. Pure bookkeeping over <see cref="FlowInstanceState.Scopes"/>, <see cref="FlowInstanceState.Joins"/>
/// and the queue of work items; the scheduler (<see cref="FlowExecution"/>) runs what lands in the queue.
/// </summary>
internal sealed class TokenRules(CompiledFlow flow, FlowInstanceState state, Queue<WorkItem> queue)
{
    /// <summary>Called when a loop body's scope closes, before its loop node is queued again.</summary>
    public Action<ScopeState>? ScopeClosed { get; init; }

    /// <summary>Starts a new instance: one token per start node in the root scope.</summary>
    public void Start()
    {
        var root = new ScopeState { Id = 0 };
        state.Scopes[0] = root;
        foreach (var node in flow.StartNodes)
        {
            root.Tokens++;
            queue.Enqueue(new WorkItem(node.Id, 0, WorkKind.Execute));
        }
    }

    /// <summary>
    /// A node completed with several outcomes at once (a fork): every branch is scheduled before the node's token
    /// is given back, so the scope cannot drain early; a loop node taking its body keeps its token.
    /// </summary>
    public void FollowOutcomes(WorkItem item, CompiledNode node, string[] names)
    {
        for (var i = 0; i < names.Length; i++) FollowOutcome(item, node, names[i], releaseToken: false);
        if (!names.Contains(node.Type.Descriptor.LoopBodyOutcome)) ReleaseToken(item.ScopeId);
    }

    /// <summary>Schedules the targets of one outcome; the loop body outcome opens a child scope.</summary>
    public void FollowOutcome(WorkItem item, CompiledNode node, string outcome, bool releaseToken)
    {
        var targets = node.TargetsOf(outcome);
        if (outcome == node.Type.Descriptor.LoopBodyOutcome)
        {
            // The body runs in a child scope; the loop node keeps its token in the parent meanwhile.
            var child = new ScopeState { Id = state.NextScopeId++, ParentId = item.ScopeId, OwnerNodeId = node.Id, Pass = item.Kind == WorkKind.Continue ? item.Pass : 0 };
            state.Scopes[child.Id] = child;
            foreach (var target in targets) Schedule(target, child.Id, node.Id);
            if (child.Tokens == 0) CloseScope(child);
            return;
        }
        foreach (var target in targets) Schedule(target, item.ScopeId, node.Id);
        if (releaseToken) ReleaseToken(item.ScopeId);
    }

    private void Schedule(CompiledNode target, int scopeId, string fromNodeId)
    {
        state.Scopes[scopeId].Tokens++;
        if (target.Type.IsJoin) Arrive(target, scopeId, fromNodeId);
        else queue.Enqueue(new WorkItem(target.Id, scopeId, WorkKind.Execute, fromNodeId));
    }

    private JoinState? FindJoin(string nodeId, int scopeId)
    {
        foreach (var join in state.Joins)
            if (join.NodeId == nodeId && join.ScopeId == scopeId) return join;
        return null;
    }

    private void Arrive(CompiledNode join, int scopeId, string fromNodeId)
    {
        var waiting = FindJoin(join.Id, scopeId);
        if (waiting is null)
        {
            waiting = new JoinState { NodeId = join.Id, ScopeId = scopeId };
            state.Joins.Add(waiting);
        }
        waiting.Arrived.Add(fromNodeId);
        var waveComplete = waiting.Arrived.Count >= join.InboundSources;
        if (join.JoinMode == "any")
        {
            if (!waiting.Fired)
            {
                waiting.Fired = true;
                queue.Enqueue(new WorkItem(join.Id, scopeId, WorkKind.Execute, fromNodeId));
            }
            else
            {
                ReleaseToken(scopeId);
            }
            if (waveComplete) state.Joins.Remove(waiting);
            return;
        }
        if (waiting.HoldsToken) ReleaseToken(scopeId);
        else waiting.HoldsToken = true;
        if (waveComplete)
        {
            state.Joins.Remove(waiting);
            queue.Enqueue(new WorkItem(join.Id, scopeId, WorkKind.Execute, fromNodeId));
        }
    }

    /// <summary>
    /// Nothing can run: a join still waiting for branches that can no longer arrive (a path not
    /// taken) runs now. A join waits while a suspended node or an open loop could still reach it.
    /// False when no join could be released.
    /// </summary>
    public bool ResolveWaitingJoins()
    {
        state.Joins.RemoveAll(j => j.Fired && !AnyTokenCanReach(j, includeJoins: true));
        var waiting = state.Joins.Where(j => j.HoldsToken).OrderBy(j => flow.ById[j.NodeId].Index).ToList();
        if (waiting.Count == 0) return false;
        var ready = waiting.FirstOrDefault(j => !AnyTokenCanReach(j, includeJoins: true))
                    ?? waiting.FirstOrDefault(j => !AnyTokenCanReach(j, includeJoins: false));
        if (ready is null) return false;
        state.Joins.Remove(ready);
        queue.Enqueue(new WorkItem(ready.NodeId, ready.ScopeId, WorkKind.Execute));
        return true;
    }

    private bool AnyTokenCanReach(JoinState join, bool includeJoins)
    {
        var reach = flow.ById[join.NodeId].ReachableFrom!;
        foreach (var bookmark in state.Bookmarks)
            if (bookmark.ScopeId == join.ScopeId && reach[flow.ById[bookmark.NodeId].Index]) return true;
        foreach (var scope in state.Scopes.Values)
            if (scope.ParentId == join.ScopeId && scope.OwnerNodeId is { } owner && reach[flow.ById[owner].Index]) return true;
        if (includeJoins)
            foreach (var other in state.Joins)
                if (other != join && other.HoldsToken && other.ScopeId == join.ScopeId && reach[flow.ById[other.NodeId].Index]) return true;
        return false;
    }

    /// <summary>A token of the scope is spent; the last one of a loop body closes it.</summary>
    public void ReleaseToken(int scopeId)
    {
        var scope = state.Scopes[scopeId];
        scope.Tokens--;
        if (scope.Tokens == 0 && scope.OwnerNodeId is not null) CloseScope(scope);
    }

    /// <summary>A loop body finished: its scope closes and the loop node runs again.</summary>
    private void CloseScope(ScopeState scope)
    {
        state.Scopes.Remove(scope.Id);
        state.Joins.RemoveAll(j => j.ScopeId == scope.Id);
        if (state.NodeStates.Count > 0)
        {
            var suffix = "@" + scope.Id;
            foreach (var key in state.NodeStates.Keys.Where(k => k.EndsWith(suffix, StringComparison.Ordinal)).ToList())
                state.NodeStates.Remove(key);
        }
        ScopeClosed?.Invoke(scope);
        queue.Enqueue(new WorkItem(scope.OwnerNodeId!, scope.ParentId!.Value, WorkKind.Continue, Pass: scope.Pass + 1));
    }

    /// <summary>Whether the node holds a bookmark in the scope (a suspended node must).</summary>
    public bool HasBookmark(string nodeId, int scopeId)
    {
        foreach (var bookmark in state.Bookmarks)
            if (bookmark.NodeId == nodeId && bookmark.ScopeId == scopeId) return true;
        return false;
    }
}
