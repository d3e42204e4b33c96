using System.Globalization;

namespace FlowConnectors.Engine.Activities.Functions.Numbers;

[Activity("Number.Parse", Category = "Number", DisplayName = "Parse Number",
    Description = "Reads a number from text such as 42, -3.5, 1e3 or 1,234.50 (or 1.234,50 with culture de-DE).")]
internal sealed class ParseNumber : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Culture whose decimal and thousands separators the text uses, e.g. de-DE; empty means 1,234.5.")]
    public string Culture { get; set; } = "";

    [Output] public double Result { get; private set; }

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var culture = CultureInfo.InvariantCulture;
        if (Culture.Trim().Length > 0)
        {
            try { culture = CultureInfo.GetCultureInfo(Culture.Trim(), predefinedOnly: true); }
            catch (CultureNotFoundException) { throw new ActivityFaultException($"unknown culture '{Culture}' (use a name such as en-US or de-DE)"); }
        }
        if (!double.TryParse(Text.Trim(), NumberStyles.Float | NumberStyles.AllowThousands, culture, out var value) || !double.IsFinite(value))
            throw new ActivityFaultException($"'{(Text.Length <= 40 ? Text : Text[..40] + "…")}' is not a number");
        Result = value;
        return ActivityResult.DoneTask;
    }
}
