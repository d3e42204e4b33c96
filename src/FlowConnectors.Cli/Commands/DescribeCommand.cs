using System.CommandLine;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Cli.Commands;

/// <summary><c>flowc describe [type]</c>: the activity descriptors (what the designer's palette shows) as JSON.</summary>
internal sealed class DescribeCommand
{
    private readonly CliOutput _output;
    private readonly Argument<string?> _type = new("type") { Description = "One activity type; all when omitted.", Arity = ArgumentArity.ZeroOrOne };

    public DescribeCommand(CliOutput output)
    {
        _output = output;
        Command = new Command("describe", "Prints activity descriptors (inputs, outputs, outcomes) as JSON.") { _type };
        Command.SetAction(parsed => Execute(parsed.GetValue(_type)));
    }

    public Command Command { get; }

    private int Execute(string? type)
    {
        var registry = CliActivities.Create();
        if (type is null)
        {
            _output.WriteJson(_output.Out, new JsonArray(registry.Descriptors.Select(d => (JsonNode)d.ToJson()).ToArray()));
            return ExitCodes.Ok;
        }
        if (registry.Find(type) is { } descriptor)
        {
            _output.WriteJson(_output.Out, descriptor.ToJson());
            return ExitCodes.Ok;
        }
        var known = registry.Descriptors.Select(d => d.Type).ToList();
        var suggestions = Suggestions.For(type, known);
        throw new CliException(suggestions.Count > 0
            ? $"unknown activity type '{type}'; did you mean {string.Join(" or ", suggestions.Select(s => $"'{s}'"))}?"
            : $"unknown activity type '{type}'; known types: {string.Join(", ", known)}");
    }
}

/// <summary>Close matches for a misspelt name.</summary>
internal static class Suggestions
{
    public static IReadOnlyList<string> For(string wanted, IEnumerable<string> candidates, int max = 3)
    {
        var lower = wanted.ToLowerInvariant();
        return candidates
            .Select(c => (Name: c, Score: Score(lower, c.ToLowerInvariant())))
            .Where(c => c.Score <= Math.Max(2, wanted.Length / 3))
            .OrderBy(c => c.Score).ThenBy(c => c.Name, StringComparer.Ordinal)
            .Take(max).Select(c => c.Name).ToList();
    }

    private static int Score(string a, string b)
    {
        if (a == b) return 0;
        if (b.Contains(a, StringComparison.Ordinal) || a.Contains(b, StringComparison.Ordinal)) return 1;
        return FlowConnectors.Engine.Values.TextDistance.Levenshtein(a, b);
    }
}
