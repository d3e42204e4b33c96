namespace FlowConnectors.Server.Hosting;

/// <summary>
/// What a value given as text (a setting, a query or route value) must be to parse as its type, in words for an error:
/// the settings check (<see cref="SettingValues"/>) and the query parameters (<see cref="ParameterProblems"/>) say it alike.
/// </summary>
internal static class TextValues
{
    public static string Expected(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(TimeSpan)) return "a time span (such as 00:00:30 for 30 seconds, or 1.00:00:00 for a day)";
        if (type == typeof(bool)) return "true or false";
        if (type == typeof(int) || type == typeof(long) || type == typeof(short)) return "a whole number";
        if (type == typeof(double) || type == typeof(decimal) || type == typeof(float)) return "a number";
        if (type == typeof(DateTimeOffset) || type == typeof(DateTime)) return "a date and time (ISO 8601, such as 2026-12-06T10:00:00Z)";
        if (type == typeof(Guid)) return "a GUID";
        if (type == typeof(Uri)) return "an absolute URL";
        if (type == typeof(string)) return "text";
        if (type.IsEnum) return "one of " + string.Join(", ", Enum.GetNames(type));
        return $"a {type.Name}";
    }
}
