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
        var result = TryDecimal(out var exact) ? exact : Operation switch
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

    /// <summary>
    /// Arithmetic in decimal where it fits, so 0.1 + 0.2 is 0.3 and 1049.95 × 3 is 3149.85, as
    /// a person would write them, instead of carrying binary rounding noise into outputs.
    /// </summary>
    private bool TryDecimal(out double result)
    {
        result = 0;
        const double Limit = 7.9e27;
        if (Operation is Operation.Power or Operation.Min or Operation.Max || Math.Abs(A) >= Limit || Math.Abs(B) >= Limit) return false;
        var (a, b) = ((decimal)A, (decimal)B);
        try
        {
            result = (double)(Operation switch
            {
                Operation.Add => a + b,
                Operation.Subtract => a - b,
                Operation.Multiply => a * b,
                Operation.Divide => a / b,
                _ => a % b,
            });
            return true;
        }
        catch (OverflowException)
        {
            return false;
        }
    }
}
