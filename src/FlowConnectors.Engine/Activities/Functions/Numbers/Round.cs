namespace FlowConnectors.Engine.Activities.Functions.Numbers;

[Activity("Number.Round", Category = "Number", DisplayName = "Round",
    Description = "Rounds to a number of decimals: nearest (halves away from zero), up, down, or even (halves to the even digit).")]
internal sealed class Round : Activity
{
    [Input(Required = true)]
    public double Value { get; set; }

    [Input(Description = "Digits after the decimal point, 0 to 15.")]
    public int Decimals { get; set; }

    [Input(Description = "nearest, up (toward +∞), down (toward −∞) or even.")]
    public RoundingMode Mode { get; set; } = RoundingMode.Nearest;

    [Output] public double Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Decimals is < 0 or > 15) throw new ActivityFaultException($"decimals must be between 0 and 15, got {Decimals}");
        var rounding = Mode switch
        {
            RoundingMode.Up => MidpointRounding.ToPositiveInfinity,
            RoundingMode.Down => MidpointRounding.ToNegativeInfinity,
            RoundingMode.Even => MidpointRounding.ToEven,
            _ => MidpointRounding.AwayFromZero,
        };
        // Decimal arithmetic so 2.675 rounds to 2.68 as written, not as its binary approximation.
        Result = Math.Abs(Value) < 7.9e27
            ? (double)Math.Round((decimal)Value, Decimals, rounding)
            : Math.Round(Value, Decimals, rounding);
        return ActivityResult.DoneTask;
    }
}
