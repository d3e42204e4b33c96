using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Stimuli;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Activities;

/// <summary>
/// An activity class bound once: its descriptor, a factory and compiled property accessors, so a
/// node execution costs one allocation and direct calls.
/// </summary>
internal sealed class ActivityType
{
    private ActivityType(Type clrType, ActivityDescriptor descriptor, Func<Activity> factory, InputBinding[] inputs, OutputBinding[] outputs)
    {
        ClrType = clrType;
        Descriptor = descriptor;
        Factory = factory;
        Inputs = inputs;
        Outputs = outputs;
        IsJoin = typeof(IJoinActivity).IsAssignableFrom(clrType);
    }

    public Type ClrType { get; }
    public ActivityDescriptor Descriptor { get; }
    public Func<Activity> Factory { get; }
    public InputBinding[] Inputs { get; }
    public OutputBinding[] Outputs { get; }
    public bool IsJoin { get; }
    /// <summary>The stimuli the activity waits for (its [WaitsFor]): each bookmark name and the reader of its record.</summary>
    public IReadOnlyList<(string BookmarkName, Func<JsonNode?, Stimulus?> Read)> Stimuli { get; private init; } = [];
    /// <summary>The activity's per-node narrowing of its declared side effects, when it has one.</summary>
    public INodeSideEffects? NodeSideEffects { get; private init; }

    public InputBinding? FindInput(string name) => Array.Find(Inputs, i => i.Descriptor.Name == name);

    // One binding per class for the whole process: binding compiles a factory and makes a reflection call per input and
    // output, and a process that builds many registries (every test server) paid it again for each. The binding holds
    // no per-registry state.
    private static readonly ConcurrentDictionary<Type, ActivityType> Bound = new();

    /// <summary>The class's binding, made the first time it is asked for.</summary>
    public static ActivityType Of(Type type) => Bound.GetOrAdd(type, Create);

    private static ActivityType Create(Type type)
    {
        if (!typeof(Activity).IsAssignableFrom(type) || type.IsAbstract)
            throw new ArgumentException($"{type.FullName} is not a concrete activity");
        var attribute = type.GetCustomAttribute<ActivityAttribute>()
                        ?? throw new ArgumentException($"{type.FullName} has no [Activity] attribute");
        var constructor = type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes)
                          ?? throw new ArgumentException($"{type.FullName} needs a parameterless constructor");
        var factory = Expression.Lambda<Func<Activity>>(Expression.New(constructor)).Compile();
        var prototype = factory();

        var inputs = new List<InputBinding>();
        var outputs = new List<OutputBinding>();
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<InputAttribute>() is { } input)
            {
                var name = input.Name ?? CamelCase(property.Name);
                var typeName = ValueConverter.TypeNameOf(property.PropertyType);
                var options = input.Options ?? (Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType) switch
                {
                    { IsEnum: true } e => Enum.GetNames(e).Select(CamelCase).ToArray(),
                    _ => null,
                };
                JsonNode? defaultValue = null;
                if (!input.Required)
                {
                    var initial = property.GetValue(prototype);
                    defaultValue = initial is Enum en ? JsonValue.Create(CamelCase(en.ToString())) : ValueConverter.ToJson(initial);
                }
                var descriptor = new InputDescriptor(name, input.DisplayName ?? Humanize(property.Name), input.Description, typeName,
                    input.Required, defaultValue, input.Editor, input.Secret, options);
                inputs.Add((InputBinding)Activator.CreateInstance(
                    typeof(InputBinding<,>).MakeGenericType(type, property.PropertyType), property, descriptor)!);
            }
            if (property.GetCustomAttribute<OutputAttribute>() is { } output)
            {
                var name = output.Name ?? CamelCase(property.Name);
                var descriptor = new OutputDescriptor(name, output.DisplayName ?? Humanize(property.Name), output.Description,
                    ValueConverter.TypeNameOf(property.PropertyType), output.Secret);
                outputs.Add((OutputBinding)Activator.CreateInstance(
                    typeof(OutputBinding<,>).MakeGenericType(type, property.PropertyType), property, descriptor)!);
            }
        }

        var outcomes = type.GetCustomAttribute<OutcomesAttribute>();
        var outcomeNames = (outcomes?.Names ?? [ActivityResult.DoneOutcome]).Append(ActivityResult.FaultOutcome).Distinct().ToArray();
        var activityDescriptor = new ActivityDescriptor(
            attribute.Type,
            attribute.Category,
            attribute.DisplayName ?? Humanize(attribute.Type.Split('.').Last()),
            attribute.Description,
            inputs.Select(i => i.Descriptor).ToArray(),
            outputs.Select(o => o.Descriptor).ToArray(),
            outcomeNames,
            outcomes?.Dynamic ?? false,
            outcomes?.LoopBody)
        {
            IsTrigger = attribute.Trigger,
            ErrorOutcomes = outcomes?.Errors ?? [],
            SideEffects = attribute.SideEffects,
        };
        return new ActivityType(type, activityDescriptor, factory, inputs.ToArray(), outputs.ToArray())
        {
            NodeSideEffects = prototype as INodeSideEffects,
            Stimuli = (type.GetCustomAttribute<WaitsForAttribute>()?.StimulusTypes ?? []).Select(StimulusReader).ToArray(),
        };
    }

    private static (string, Func<JsonNode?, Stimulus?>) StimulusReader(Type stimulusType)
    {
        var name = stimulusType.GetField("BookmarkName", BindingFlags.Public | BindingFlags.Static)?.GetRawConstantValue() as string
                   ?? throw new InvalidOperationException($"{stimulusType.FullName} needs public const string BookmarkName");
        var read = stimulusType.GetMethod("FromCorrelation", BindingFlags.Public | BindingFlags.Static, [typeof(JsonNode)])
                   ?? throw new InvalidOperationException($"{stimulusType.FullName} needs public static FromCorrelation(JsonNode?)");
        return (name, read.CreateDelegate<Func<JsonNode?, Stimulus?>>());
    }

    internal static string CamelCase(string name) =>
        name.Length == 0 ? name : char.ToLowerInvariant(name[0]) + name[1..];

    private static string Humanize(string name)
    {
        var builder = new System.Text.StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (i > 0 && char.IsUpper(c) && !char.IsUpper(name[i - 1])) builder.Append(' ');
            builder.Append(i == 0 ? char.ToUpperInvariant(c) : c);
        }
        return builder.ToString();
    }
}

/// <summary>Sets one input property from a JSON value, converting to the property's type.</summary>
internal abstract class InputBinding(InputDescriptor descriptor)
{
    public InputDescriptor Descriptor { get; } = descriptor;
    public abstract Type ValueType { get; }

    /// <summary>Throws <see cref="ValueConversionException"/> when the value does not fit.</summary>
    public abstract void Set(Activity activity, JsonNode? value);

    /// <summary>Converts once, for literal inputs, so each execution only assigns.</summary>
    public abstract object? Convert(JsonNode? value);

    public abstract void SetConverted(Activity activity, object? value);
}

internal sealed class InputBinding<TActivity, TValue> : InputBinding where TActivity : Activity
{
    private readonly Action<TActivity, TValue> _setter;

    public InputBinding(PropertyInfo property, InputDescriptor descriptor) : base(descriptor)
    {
        var setMethod = property.GetSetMethod(nonPublic: true)
                        ?? throw new ArgumentException($"input property {typeof(TActivity).Name}.{property.Name} needs a setter");
        _setter = setMethod.CreateDelegate<Action<TActivity, TValue>>();
    }

    public override Type ValueType => typeof(TValue);

    public override void Set(Activity activity, JsonNode? value) =>
        _setter((TActivity)activity, (TValue)ValueConverter.FromJson(value, typeof(TValue))!);

    public override object? Convert(JsonNode? value) => ValueConverter.FromJson(value, typeof(TValue));

    public override void SetConverted(Activity activity, object? value) => _setter((TActivity)activity, (TValue)value!);
}

/// <summary>Reads one output property as a JSON value.</summary>
internal abstract class OutputBinding(OutputDescriptor descriptor)
{
    public OutputDescriptor Descriptor { get; } = descriptor;
    public abstract JsonNode? Get(Activity activity);
}

internal sealed class OutputBinding<TActivity, TValue>(PropertyInfo property, OutputDescriptor descriptor) : OutputBinding(descriptor)
    where TActivity : Activity
{
    private readonly Func<TActivity, TValue> _getter = property.GetGetMethod(nonPublic: true)!.CreateDelegate<Func<TActivity, TValue>>();

    public override JsonNode? Get(Activity activity) => ValueConverter.ToJson(_getter((TActivity)activity));
}
