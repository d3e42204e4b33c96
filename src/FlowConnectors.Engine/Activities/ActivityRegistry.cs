using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Stimuli;

namespace FlowConnectors.Engine.Activities;

/// <summary>
/// The activity types a host knows. Not global: each engine gets its own registry, and tests can
/// build one with exactly the activities they need.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityType> _types = new(StringComparer.Ordinal);
    // Bookmark name → reader of its stimulus record, from the activities' [WaitsFor].
    private readonly Dictionary<string, Func<JsonNode?, Stimulus?>> _stimuli = new(StringComparer.Ordinal);

    /// <summary>A registry with every activity in the engine assembly.</summary>
    public static ActivityRegistry CreateDefault() => new ActivityRegistry().AddAssembly(typeof(Activity).Assembly);

    /// <summary>Adds every concrete class with <see cref="ActivityAttribute"/> in an assembly.</summary>
    public ActivityRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in ActivityClasses.GetOrAdd(assembly, FindActivityClasses)) Add(type);
        return this;
    }

    // An assembly's activity classes, found once per process (reading attributes instantiates them by reflection).
    private static readonly ConcurrentDictionary<Assembly, Type[]> ActivityClasses = new();

    private static Type[] FindActivityClasses(Assembly assembly) =>
        assembly.GetTypes()
            .Where(type => !type.IsAbstract && typeof(Activity).IsAssignableFrom(type) && type.GetCustomAttribute<ActivityAttribute>() is not null)
            .ToArray();

    public ActivityRegistry Add<T>() where T : Activity => Add(typeof(T));

    public ActivityRegistry Add(Type type)
    {
        var activityType = ActivityType.Of(type);
        if (_types.TryGetValue(activityType.Descriptor.Type, out var existing) && existing.ClrType != type)
            throw new InvalidOperationException($"activity type '{activityType.Descriptor.Type}' is declared by both {existing.ClrType.FullName} and {type.FullName}");
        _types[activityType.Descriptor.Type] = activityType;
        foreach (var (bookmarkName, read) in activityType.Stimuli) _stimuli[bookmarkName] = read;
        return this;
    }

    /// <summary>A bookmark read back as the stimulus record its activity declared, or null for a name no activity declares.</summary>
    public Stimulus? ReadStimulus(Bookmark bookmark) =>
        _stimuli.TryGetValue(bookmark.Name, out var read) ? read(bookmark.Payload) : null;

    /// <summary>What a bookmark waits for, in words, from its stimulus record (the bookmark's name when none is declared).</summary>
    public string DescribeWait(Bookmark bookmark) => ReadStimulus(bookmark)?.Describe() ?? bookmark.Name;

    /// <summary>
    /// The triggers a flow registers: each node whose activity is a trigger declares its own
    /// (<see cref="Activity.DeclareTrigger"/>), so a host indexes them without knowing any activity.
    /// </summary>
    public FlowTriggers DeclareTriggers(FlowDefinition flow, DateTimeOffset now)
    {
        var triggers = new List<FlowTrigger>();
        var problems = new List<string>();
        foreach (var node in flow.Nodes)
        {
            if (FindType(node.Type) is not { Descriptor.IsTrigger: true } type) continue;
            if (type.Factory().DeclareTrigger(flow, node, now, problems) is { } trigger) triggers.Add(trigger);
        }
        return new FlowTriggers(triggers, problems);
    }

    public ActivityDescriptor? Find(string type) => _types.TryGetValue(type, out var t) ? t.Descriptor : null;

    public IReadOnlyList<ActivityDescriptor> Descriptors =>
        _types.Values.Select(t => t.Descriptor).OrderBy(d => d.Category, StringComparer.Ordinal).ThenBy(d => d.Type, StringComparer.Ordinal).ToList();

    internal ActivityType? FindType(string type) => _types.TryGetValue(type, out var t) ? t : null;
}
