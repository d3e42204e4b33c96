namespace FlowConnectors.Engine.Activities.Functions.Numbers;

[Activity("Number.Calculate", Category = "Number", DisplayName = "Calculate",
    Description = "a + b, a − b, a × b, a ÷ b, the remainder of a ÷ b, a to the power b, or the smaller or larger of both.")]
internal sealed class Calculate : Activity
{
    [Input(Required = true)]
    public double A { get; set; }

    [Input(Required = true)]
    public double B { get; set; }

    [Input]
    public Operation Operation { get; set; } = Operation.Add;

    [Output] public double Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Operation is Operation.Divide or Operation.Modulo && B == 0)
            throw new ActivityFaultException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"cannot divide by zero ({Operation.ToString().ToLowerInvariant()} of {A} by 0)"));
        var result = Operation switch
        {
            Operation.Add => A + B,
            Operation.Subtract => A - B,
            Operation.Multiply => A * B,
            Operation.Divide => A / B,
            Operation.Modulo => A % B,
            Operation.Power => Math.Pow(A, B),
            Operation.Min => Math.Min(A, B),
            _ => Math.Max(A, B),
        };
        if (!double.IsFinite(result))
            throw new ActivityFaultException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Operation.ToString().ToLowerInvariant()} of {A} and {B} is not a finite number"));
        Result = result;
        return ActivityResult.DoneTask;
    }
}
