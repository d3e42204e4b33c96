using System.Text.RegularExpressions;

namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Replace", Category = "Text", DisplayName = "Replace",
    Description = "Replaces every occurrence of some text, or of a regular expression, with a replacement.")]
internal sealed class Replace : Activity
{
    private static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Required = true, Description = "The text to look for, or a .NET regular expression when 'regex' is on.")]
    public string Find { get; set; } = "";

    [Input(Description = "What to put instead; with 'regex' on, $1 inserts the first group.")]
    public string Replacement { get; set; } = "";

    [Input(Description = "Treat 'find' as a regular expression.")]
    public bool Regex { get; set; }

    [Input]
    public bool IgnoreCase { get; set; }

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Find.Length == 0) throw new ActivityFaultException("find must not be empty");
        Result = Regex ? ReplaceMatches() : Text.Replace(Find, Replacement, IgnoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
        return ActivityResult.DoneTask;
    }

    private string ReplaceMatches()
    {
        System.Text.RegularExpressions.Regex pattern;
        try
        {
            pattern = new System.Text.RegularExpressions.Regex(Find,
                RegexOptions.CultureInvariant | (IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None), RegexTimeout);
        }
        catch (RegexParseException e)
        {
            throw new ActivityFaultException($"find is not a valid regular expression: {e.Message}");
        }
        try
        {
            return pattern.Replace(Text, Replacement);
        }
        catch (RegexMatchTimeoutException)
        {
            throw new ActivityFaultException("the regular expression took longer than 1 second; simplify it");
        }
    }
}
