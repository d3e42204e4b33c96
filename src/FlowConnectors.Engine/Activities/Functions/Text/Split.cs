namespace FlowConnectors.Engine.Activities.Functions.Text;

[Activity("Text.Split", Category = "Text", DisplayName = "Split",
    Description = "Breaks text into a list at every separator. An empty separator splits into single characters.")]
internal sealed class Split : Activity
{
    [Input(Required = true)]
    public string Text { get; set; } = "";

    [Input(Description = "Where to break the text; empty splits into characters.")]
    public string Separator { get; set; } = ",";

    [Input(Description = "At most this many parts; the last part keeps the rest of the text.")]
    public int? Limit { get; set; }

    [Input(Description = "Remove spaces around each part and drop empty parts.")]
    public bool TrimParts { get; set; }

    [Output] public string[] Result { get; private set; } = [];

    protected internal override ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        if (Limit is < 1) throw new ActivityFaultException($"limit must be at least 1, got {Limit}");
        var limit = Limit ?? int.MaxValue;
        var options = TrimParts ? StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries : StringSplitOptions.None;
        if (Separator.Length == 0)
        {
            var characters = Text.Select(c => c.ToString()).ToList();
            if (characters.Count > limit)
                characters = [.. characters.Take(limit - 1), Text[(limit - 1)..]];
            Result = TrimParts ? characters.Select(c => c.Trim()).Where(c => c.Length > 0).ToArray() : characters.ToArray();
        }
        else
        {
            Result = Text.Length == 0 ? [] : Text.Split(Separator, limit, options);
        }
        return ActivityResult.DoneTask;
    }
}
