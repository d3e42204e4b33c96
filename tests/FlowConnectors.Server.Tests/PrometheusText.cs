using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// A strict reader of the Prometheus text exposition format (0.0.4): it fails on anything Prometheus would refuse —
/// a malformed line, a bad name, label or value, a sample outside its family's block, a duplicate series, a histogram
/// whose buckets are not cumulative or whose +Inf bucket differs from its count.
/// </summary>
internal static partial class PrometheusText
{
    public sealed record Sample(string Name, Dictionary<string, string> Labels, double Value);

    public sealed class Family(string name, string type)
    {
        public string Name { get; } = name;
        public string Type { get; } = type;
        public string? Help { get; set; }
        public List<Sample> Samples { get; } = [];
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    /// <summary>Families by name (a counter's without its <c>_total</c>).</summary>
    public static Dictionary<string, Family> Parse(string text)
    {
        var families = new Dictionary<string, Family>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        Family? current = null;
        var lines = text.Split('\n');
        for (var number = 1; number <= lines.Length; number++)
        {
            var line = lines[number - 1];
            if (number == lines.Length && line.Length == 0) break;
            string Where() => $"line {number}: '{line}'";
            if (line.Length == 0) continue;
            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[1] is "TYPE")
                {
                    if (parts.Length != 4 || !Types.Contains(parts[3])) throw new FormatException($"bad TYPE, {Where()}");
                    if (!MetricName().IsMatch(parts[2])) throw new FormatException($"bad metric name, {Where()}");
                    var key = Key(parts[2], parts[3]);
                    if (families.ContainsKey(key)) throw new FormatException($"second TYPE for {parts[2]}, {Where()}");
                    current = families[key] = new Family(parts[2], parts[3]);
                }
                else if (parts.Length >= 3 && parts[1] is "HELP")
                {
                    if (!MetricName().IsMatch(parts[2])) throw new FormatException($"bad metric name, {Where()}");
                    if (current is not null && current.Name == parts[2]) current.Help = parts.Length == 4 ? parts[3] : "";
                }
                continue;
            }
            var sample = ParseSample(line, Where);
            if (current is null || !BelongsTo(sample.Name, current))
                throw new FormatException($"sample {sample.Name} is not in the block of its family's TYPE, {Where()}");
            var identity = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) + "}";
            if (!series.Add(identity)) throw new FormatException($"duplicate series {identity}, {Where()}");
            current.Samples.Add(sample);
        }
        foreach (var family in families.Values.Where(f => f.Type == "histogram")) CheckHistogram(family);
        return families;
    }

    private static string Key(string name, string type) => type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name;

    private static bool BelongsTo(string sample, Family family)
    {
        var stem = Key(family.Name, family.Type);
        string[] suffixes = family.Type switch
        {
            "counter" => ["_total", "_created", ""],
            "histogram" => ["_bucket", "_sum", "_count", "_created"],
            "summary" => ["_sum", "_count", "_created", ""],
            _ => [""],
        };
        return suffixes.Any(s => sample == stem + s);
    }

    private static Sample ParseSample(string line, Func<string> where)
    {
        var position = 0;
        while (position < line.Length && line[position] is not ('{' or ' ')) position++;
        var name = line[..position];
        if (!MetricName().IsMatch(name)) throw new FormatException($"bad metric name, {where()}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                if (position >= line.Length) throw new FormatException($"unterminated labels, {where()}");
                if (line[position] == '}') { position++; break; }
                var start = position;
                while (position < line.Length && line[position] != '=') position++;
                var label = line[start..position];
                if (!LabelName().IsMatch(label)) throw new FormatException($"bad label name '{label}', {where()}");
                if (++position >= line.Length || line[position] != '"') throw new FormatException($"label value not quoted, {where()}");
                position++;
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= line.Length) throw new FormatException($"unterminated label value, {where()}");
                    var c = line[position++];
                    if (c == '"') break;
                    if (c == '\\')
                    {
                        if (position >= line.Length) throw new FormatException($"bad escape, {where()}");
                        value.Append(line[position++] switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            var other => throw new FormatException($"bad escape \\{other}, {where()}"),
                        });
                    }
                    else value.Append(c);
                }
                if (!labels.TryAdd(label, value.ToString())) throw new FormatException($"label {label} twice, {where()}");
                if (position < line.Length && line[position] == ',') position++;
                else if (position >= line.Length || line[position] != '}') throw new FormatException($"expected , or }} after a label, {where()}");
            }
        }
        if (position >= line.Length || line[position] != ' ') throw new FormatException($"no value, {where()}");
        var rest = line[(position + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2) throw new FormatException($"bad value or timestamp, {where()}");
        var sampleValue = ParseValue(rest[0]) ?? throw new FormatException($"bad value '{rest[0]}', {where()}");
        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
            throw new FormatException($"bad timestamp, {where()}");
        return new Sample(name, labels, sampleValue);
    }

    private static double? ParseValue(string text) => text switch
    {
        "+Inf" or "Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null,
    };

    private static void CheckHistogram(Family family)
    {
        var stem = family.Name;
        static string SeriesOf(Sample s) => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
        foreach (var group in family.Samples.GroupBy(SeriesOf))
        {
            var buckets = group.Where(s => s.Name == stem + "_bucket").ToList();
            if (buckets.Count == 0) throw new FormatException($"histogram {stem} {{{group.Key}}} has no buckets");
            var ordered = buckets.Select(b => (Le: ParseValue(b.Labels.TryGetValue("le", out var le) ? le : throw new FormatException($"bucket of {stem} without le"))
                    ?? throw new FormatException($"bad le in {stem}"), b.Value)).OrderBy(b => b.Le).ToList();
            for (var i = 1; i < ordered.Count; i++)
                if (ordered[i].Value < ordered[i - 1].Value) throw new FormatException($"histogram {stem} {{{group.Key}}} buckets are not cumulative");
            if (!double.IsPositiveInfinity(ordered[^1].Le)) throw new FormatException($"histogram {stem} {{{group.Key}}} has no +Inf bucket");
            var count = group.SingleOrDefault(s => s.Name == stem + "_count") ?? throw new FormatException($"histogram {stem} {{{group.Key}}} has no _count");
            if (count.Value != ordered[^1].Value) throw new FormatException($"histogram {stem} {{{group.Key}}}: +Inf bucket {ordered[^1].Value} is not the count {count.Value}");
            _ = group.SingleOrDefault(s => s.Name == stem + "_sum") ?? throw new FormatException($"histogram {stem} {{{group.Key}}} has no _sum");
        }
    }
}
