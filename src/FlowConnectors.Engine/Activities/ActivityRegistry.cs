using System.Reflection;

namespace FlowConnectors.Engine.Activities;

/// <summary>
/// The activity types a host knows. Not global: each engine gets its own registry, and tests can
/// build one with exactly the activities they need.
/// </summary>
public sealed class ActivityRegistry
{
    private readonly Dictionary<string, ActivityType> _types = new(StringComparer.Ordinal);

    /// <summary>A registry with every activity in the engine assembly.</summary>
    public static ActivityRegistry CreateDefault() => new ActivityRegistry().AddAssembly(typeof(Activity).Assembly);

    /// <summary>Adds every concrete class with <see cref="ActivityAttribute"/> in an assembly.</summary>
    public ActivityRegistry AddAssembly(Assembly assembly)
    {
        foreach (var type in assembly.GetTypes())
            if (!type.IsAbstract && typeof(Activity).IsAssignableFrom(type) && type.GetCustomAttribute<ActivityAttribute>() is not null)
                Add(type);
        return this;
    }

    public ActivityRegistry Add<T>() where T : Activity => Add(typeof(T));

    public ActivityRegistry Add(Type type)
    {
        var activityType = ActivityType.Create(type);
        if (_types.TryGetValue(activityType.Descriptor.Type, out var existing) && existing.ClrType != type)
            throw new InvalidOperationException($"activity type '{activityType.Descriptor.Type}' is declared by both {existing.ClrType.FullName} and {type.FullName}");
        _types[activityType.Descriptor.Type] = activityType;
        return this;
    }

    public ActivityDescriptor? Find(string type) => _types.TryGetValue(type, out var t) ? t.Descriptor : null;

    public IReadOnlyList<ActivityDescriptor> Descriptors =>
        _types.Values.Select(t => t.Descriptor).OrderBy(d => d.Category, StringComparer.Ordinal).ThenBy(d => d.Type, StringComparer.Ordinal).ToList();

    internal ActivityType? FindType(string type) => _types.TryGetValue(type, out var t) ? t : null;

    internal ActivityType GetType(Type clrType) =>
        _types.Values.FirstOrDefault(t => t.ClrType == clrType) ?? ActivityType.Create(clrType);
}
