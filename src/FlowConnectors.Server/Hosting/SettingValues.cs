using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A setting whose value is not of its type (FlowConnectors__PollInterval=abc) or out of its range (a negative poll
/// interval, which stopped the background workers), in words an operator can act on, before anything starts.
/// </summary>
internal static partial class SettingValues
{
    /// <summary>Every setting out of the range its <see cref="RangeAttribute"/> declares, named by its configuration key.</summary>
    public static void EnsureInRange(ServerOptions options)
    {
        var problems = OutOfRange(options, "FlowConnectors")
            .Concat(OutOfRange(options.Access, "FlowConnectors:Access"))
            .Concat(OutOfRange(options.Telemetry, "FlowConnectors:Telemetry"))
            .Concat(OutOfRange(options.Retention, "FlowConnectors:Retention"))
            .Concat(options.Retention.Flows.SelectMany(f => OutOfRange(f.Value, $"FlowConnectors:Retention:Flows:{f.Key}")))
            .ToList();
        if (problems.Count > 0) throw new StartupSettingException(string.Join("; ", problems));
    }

    private static IEnumerable<string> OutOfRange(object settings, string section)
    {
        foreach (var property in settings.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<RangeAttribute>() is not { } range) continue;
            var value = property.GetValue(settings);
            if (range.IsValid(value)) continue;
            var maximum = Text(range.Maximum);
            var bounds = maximum is "2147483647" or "9223372036854775807" ? $"at least {Text(range.Minimum)}" : $"between {Text(range.Minimum)} and {maximum}";
            yield return $"{section}:{property.Name} is '{Text(value)}', which is out of range: it must be {bounds}";
        }
    }

    /// <summary>As the setting is written: a time span without trailing zeros of its fraction (00:00:00.001).</summary>
    private static string? Text(object? value) => value switch
    {
        TimeSpan span when span.Ticks % TimeSpan.TicksPerSecond != 0 => span.ToString("c", CultureInfo.InvariantCulture).TrimEnd('0'),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// The configuration binder's "Failed to convert configuration value 'abc' at 'FlowConnectors:PollInterval' to type
    /// 'System.TimeSpan'." becomes "FlowConnectors:PollInterval is 'abc', which is not a time span (such as 00:00:30)".
    /// Only typed settings fail to convert (numbers, time spans, switches, names from a list), never a secret, which is text.
    /// </summary>
    public static string DescribeBindingFailure(InvalidOperationException failure)
    {
        var match = BinderMessage().Match(failure.Message);
        if (!match.Success) return $"the settings cannot be read: {failure.Message}";
        var (value, setting, typeName) = (match.Groups["value"].Value, match.Groups["setting"].Value, match.Groups["type"].Value);
        return $"{setting} is '{value}', which is not {Expected(typeName)}; set it in appsettings.json, an environment variable ({setting.Replace(":", "__", StringComparison.Ordinal)}) or --{setting}";
    }

    private static string Expected(string typeName) =>
        (Type.GetType(typeName) ?? AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetType(typeName)).FirstOrDefault(t => t is not null)) is { } type
            ? TextValues.Expected(type)
            : $"a {typeName}";

    [GeneratedRegex(@"^Failed to convert configuration value '(?<value>.*)' at '(?<setting>[^']+)' to type '(?<type>[^']+)'\.", RegexOptions.Singleline)]
    private static partial Regex BinderMessage();
}
