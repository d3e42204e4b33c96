namespace FlowConnectors.Engine.Activities;

/// <summary>
/// The stimulus records (<see cref="Stimuli.Stimulus"/>) an activity's bookmarks are made of, so a host can read
/// a bookmark back as its record (<see cref="ActivityRegistry.ReadStimulus"/>) and describe the wait without
/// knowing the activity. Each type needs <c>public const string BookmarkName</c> and
/// <c>public static T? FromCorrelation(JsonNode?)</c>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, Inherited = false)]
public sealed class WaitsForAttribute(params Type[] stimulusTypes) : Attribute
{
    public IReadOnlyList<Type> StimulusTypes { get; } = stimulusTypes;
}
