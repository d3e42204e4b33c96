using System.Globalization;

namespace FlowConnectors.Engine.Activities.Functions.Numbers;

[Activity("Number.Format", Category = "Number", DisplayName = "Format Number",
    Description = "Writes a number as text with a .NET numeric format: N2 → 1,234.50, F0 → 1235, P1 → 12.5 %, 0000 → 0042.")]
internal sealed class FormatNumber : Activity
{
    [Input(Required = true)]
    public double Value { get; set; }

    [Input(Description = ".NET numeric format such as N2, F1, P0, E3, #,##0.00 or 0000; empty writes the number plainly.")]
    public string Format { get; set; } = "N2";

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        try
        {
            // Through decimal so halves round away from zero as people expect (1234.5 with F0 → 1235);
            // double formatting rounds its binary value instead.
            Result = Format.Length == 0 ? Value.ToString("R", CultureInfo.InvariantCulture)
                : Math.Abs(Value) < 7.9e27 ? ((decimal)Value).ToString(Format, CultureInfo.InvariantCulture)
                : Value.ToString(Format, CultureInfo.InvariantCulture);
        }
        catch (FormatException) { throw new ActivityFaultException($"'{Format}' is not a valid number format (use e.g. N2, F0, P1 or #,##0.00)"); }
        return ActivityResult.DoneTask;
    }
}
