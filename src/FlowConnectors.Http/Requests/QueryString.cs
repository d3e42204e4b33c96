using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Http.Requests;

/// <summary>Query and form parameters from a JSON object: arrays repeat the key, nulls are dropped.</summary>
internal static class QueryString
{
    public static IEnumerable<KeyValuePair<string, string>> Pairs(JsonObject parameters)
    {
        foreach (var (name, value) in parameters)
        {
            if (value is JsonArray many)
            {
                foreach (var item in many)
                    if (!JsonValues.IsNull(item)) yield return KeyValuePair.Create(name, JsonValues.ToText(item));
            }
            else if (!JsonValues.IsNull(value))
                yield return KeyValuePair.Create(name, JsonValues.ToText(value));
        }
    }

    /// <summary>The URL with the parameters appended to whatever query it already has.</summary>
    public static Uri Append(Uri uri, JsonObject? parameters)
    {
        if (parameters is null || parameters.Count == 0) return uri;
        var query = new StringBuilder(uri.Query.TrimStart('?'));
        foreach (var (name, value) in Pairs(parameters))
        {
            if (query.Length > 0) query.Append('&');
            query.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return new UriBuilder(uri) { Query = query.ToString() }.Uri;
    }
}
