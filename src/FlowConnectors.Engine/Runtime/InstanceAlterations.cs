using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Runtime;

/// <summary>A change to a suspended instance that cannot be made: <see cref="Field"/> names what was asked (e.g. <c>variables.count</c>).</summary>
public sealed class AlterationException(string field, string message) : Exception(message)
{
    public string Field { get; } = field;
}

/// <summary>
/// Changes to a suspended instance from outside its run: set a declared variable, or cancel a wait (the waiting node's
/// branch ends there, as if it had reached a dead end; a join or a loop waiting for it goes on without it).
/// </summary>
public static class InstanceAlterations
{
    /// <summary>Sets a declared variable, converted to its declared type.</summary>
    public static void SetVariable(FlowInstanceState state, CompiledFlow flow, string name, JsonNode? value)
    {
        var declared = flow.Definition.Variables.Find(v => v.Name == name)
                       ?? throw new AlterationException($"variables.{name}", $"the flow declares no variable '{name}'" +
                           (flow.Definition.Variables.Count == 0 ? "" : $"; it declares {string.Join(", ", flow.Definition.Variables.Select(v => v.Name))}"));
        try
        {
            var converted = ValueConverter.ConvertToType(value?.DeepClone(), declared.Type);
            state.Variables[name] = converted;
        }
        catch (ValueConversionException e)
        {
            throw new AlterationException($"variables.{name}", $"variable '{name}' is {declared.Type}: {e.Message}");
        }
    }

    /// <summary>
    /// Cancels the wait of a node (by node id or bookmark id): its bookmarks go and its token is released. Returns true
    /// when the instance now has work to run (a loop goes on, or nothing waits any more): run it, else it stays suspended.
    /// </summary>
    public static bool CancelWait(FlowInstanceState state, CompiledFlow flow, string nodeOrBookmarkId)
    {
        var bookmarks = state.Bookmarks.Where(b => b.Id == nodeOrBookmarkId || b.NodeId == nodeOrBookmarkId).ToList();
        if (bookmarks.Count == 0)
            throw new AlterationException("cancelWaits", $"nothing waits at '{nodeOrBookmarkId}'" +
                (state.Bookmarks.Count == 0 ? "" : $"; waiting: {string.Join(", ", state.Bookmarks.Select(b => b.NodeId).Distinct())}"));
        var queue = new Queue<WorkItem>(state.Queue);
        var rules = new TokenRules(flow, state, queue);
        // One token per waiting node and scope, however many stimuli it waits for.
        foreach (var waiting in bookmarks.DistinctBy(b => (b.NodeId, b.ScopeId)))
        {
            state.Bookmarks.RemoveAll(b => b.NodeId == waiting.NodeId && b.ScopeId == waiting.ScopeId);
            state.NodeStates.Remove(waiting.NodeId + "@" + waiting.ScopeId);
            rules.ReleaseToken(waiting.ScopeId);
        }
        state.Queue.Clear();
        state.Queue.AddRange(queue);
        var runnable = state.Queue.Count > 0 || state.Bookmarks.Count == 0;
        if (runnable) state.Status = FlowStatus.Running;
        return runnable;
    }
}
