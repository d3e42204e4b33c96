namespace FlowConnectors.Engine.Activities;

/// <summary>
/// Marks an activity the scheduler treats as a join: arrivals from incoming branches are counted
/// per scope and the node runs once per wave, in the mode its <c>mode</c> input names.
/// </summary>
internal interface IJoinActivity;
