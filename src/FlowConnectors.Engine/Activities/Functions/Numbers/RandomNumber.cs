namespace FlowConnectors.Engine.Activities.Functions.Numbers;

[Activity("Number.Random", Category = "Number", DisplayName = "Random Number",
    Description = "A random number from min to max; whole numbers include max. Not for secrets or tokens.")]
internal sealed class RandomNumber : Activity
{
    [Input] public double Min { get; set; }

    [Input] public double Max { get; set; } = 1;

    [Input(Description = "Whole numbers only, max included.")]
    public bool Integer { get; set; }

    [Output] public double Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Min > Max) throw new ActivityFaultException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"min ({Min}) must not be larger than max ({Max})"));
        if (Integer)
        {
            var low = (long)Math.Ceiling(Min);
            var high = (long)Math.Floor(Max);
            if (low > high) throw new ActivityFaultException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"there is no whole number between {Min} and {Max}"));
            Result = Random.Shared.NextInt64(low, high + 1);
        }
        else
        {
            Result = Min + Random.Shared.NextDouble() * (Max - Min);
        }
        return ActivityResult.DoneTask;
    }
}
