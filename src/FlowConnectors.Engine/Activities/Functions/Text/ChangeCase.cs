using System.Globalization;
using System.Text;

namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.ChangeCase", Category = "Text", DisplayName = "Change Case",
    Description = "UPPER, lower, Title Case, camelCase, snake_case or kebab-case. Words are found at spaces, punctuation and lower-to-upper changes.")]
internal sealed class ChangeCase : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "upper, lower, title, camel, snake or kebab.")]
    public TextCase Case { get; set; } = TextCase.Upper;

    [Output] public string Result { get; private set; } = "";

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var culture = CultureInfo.InvariantCulture.TextInfo;
        Result = Case switch
        {
            TextCase.Upper => culture.ToUpper(Text),
            TextCase.Lower => culture.ToLower(Text),
            TextCase.Title => ToTitle(Text),
            TextCase.Camel => string.Concat(Words(Text).Select((w, i) => i == 0 ? culture.ToLower(w) : Capitalize(w))),
            TextCase.Snake => string.Join('_', Words(Text).Select(culture.ToLower)),
            TextCase.Kebab => string.Join('-', Words(Text).Select(culture.ToLower)),
            _ => throw new ActivityFaultException($"unknown case '{Case}'"),
        };
        return ActivityResult.DoneTask;
    }

    private static string Capitalize(string word) =>
        word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..].ToLowerInvariant();

    // Title case keeps the text's own spacing and punctuation; only the letters change.
    private static string ToTitle(string text)
    {
        var builder = new StringBuilder(text.Length);
        var startOfWord = true;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                builder.Append(startOfWord ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c));
                startOfWord = false;
            }
            else
            {
                builder.Append(c);
                startOfWord = c != '\'';
            }
        }
        return builder.ToString();
    }

    /// <summary>Splits "someHTTPRequest_id 2" into some, HTTP, Request, id, 2.</summary>
    internal static List<string> Words(string text)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!char.IsLetterOrDigit(c))
            {
                Flush();
                continue;
            }
            if (current.Length > 0 && char.IsUpper(c))
            {
                var previous = current[^1];
                var nextIsLower = i + 1 < text.Length && char.IsLower(text[i + 1]);
                if (!char.IsUpper(previous) || nextIsLower) Flush();
            }
            current.Append(c);
        }
        Flush();
        return words;

        void Flush()
        {
            if (current.Length > 0) words.Add(current.ToString());
            current.Clear();
        }
    }
}
