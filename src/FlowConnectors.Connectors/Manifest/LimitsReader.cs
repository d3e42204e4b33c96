using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>
/// Reads the manifest's <c>rateLimits</c> and <c>tokenExpiry</c> blocks (docs/connectors.md, "Rate-limit budgets"
/// and "Token lifecycle"), reporting each problem with its JSON path.
/// </summary>
internal static class LimitsReader
{
    public delegate void Report(string path, string code, string message);

    /// <summary>
    /// <c>{ "requests": 50, "per": "00:00:10", "groups": [{ "name": "search", "paths": ["/search"], "requests": 10, "per": "00:01:00" }] }</c>.
    /// </summary>
    public static IReadOnlyList<RateLimit> ReadRateLimits(JsonNode? node, Report error)
    {
        if (node is null) return [];
        if (node is not JsonObject o)
        {
            error("$.rateLimits", "MANIFEST_WRONG_TYPE", "'rateLimits' must be an object: { \"requests\": 50, \"per\": \"00:00:10\", \"groups\": [...] }");
            return [];
        }
        var limits = new List<RateLimit>();
        foreach (var (field, _) in o)
            if (field is not ("requests" or "per" or "groups"))
                error(JsonPath.Property("$.rateLimits", field), "MANIFEST_UNKNOWN_FIELD", $"unknown rateLimits field '{field}'; it takes requests, per, groups");
        if (o["requests"] is not null || o["per"] is not null)
            if (ReadLimit(o, "$.rateLimits", null, null, error) is { } connectionWide) limits.Add(connectionWide);
        if (o["groups"] is { } groups)
        {
            if (groups is not JsonArray array)
            {
                error("$.rateLimits.groups", "MANIFEST_WRONG_TYPE", "'groups' must be an array");
                return limits;
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < array.Count; i++)
            {
                var path = $"$.rateLimits.groups[{i}]";
                if (array[i] is not JsonObject group)
                {
                    error(path, "MANIFEST_WRONG_TYPE", "a group must be an object with name, paths, requests and per");
                    continue;
                }
                foreach (var (field, _) in group)
                    if (field is not ("name" or "paths" or "requests" or "per"))
                        error(JsonPath.Property(path, field), "MANIFEST_UNKNOWN_FIELD", $"unknown group field '{field}'; it takes name, paths, requests, per");
                var name = group["name"] is JsonValue v && v.TryGetValue(out string? text) ? text : null;
                if (name is null || name.Length is 0 or > 40 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    error(path + ".name", "MANIFEST_RATE_LIMIT", "a group needs a name of 1 to 40 letters, digits, '-' or '_'");
                    continue;
                }
                if (!names.Add(name)) error(path + ".name", "MANIFEST_RATE_LIMIT", $"group '{name}' is declared twice");
                var paths = (group["paths"] as JsonArray)?.Select(p => p is JsonValue pv && pv.TryGetValue(out string? s) ? s : null).ToList();
                if (paths is null || paths.Count == 0 || paths.Any(p => p is null || !p.StartsWith('/')))
                {
                    error(path + ".paths", "MANIFEST_RATE_LIMIT", "'paths' must list path prefixes starting with '/', e.g. [\"/search\"]");
                    continue;
                }
                if (ReadLimit(group, path, name, paths!, error) is { } limit) limits.Add(limit);
            }
        }
        return limits;
    }

    private static RateLimit? ReadLimit(JsonObject o, string path, string? group, IReadOnlyList<string>? paths, Report error)
    {
        var requests = o["requests"] is JsonValue r && r.TryGetValue(out int count) ? count : 0;
        if (requests is < 1 or > RateLimit.MaxRequests)
        {
            error(path + ".requests", "MANIFEST_RATE_LIMIT", $"'requests' must be a whole number from 1 to {RateLimit.MaxRequests}");
            return null;
        }
        if (ReadDuration(o["per"]) is not { } per || per < TimeSpan.FromMilliseconds(100) || per > TimeSpan.FromDays(1))
        {
            error(path + ".per", "MANIFEST_RATE_LIMIT", "'per' must be a duration from 00:00:00.1 to 1.00:00:00, e.g. \"00:00:10\"");
            return null;
        }
        return new RateLimit(requests, per, group, paths);
    }

    /// <summary><c>{ "refreshBefore": "00:02:00", "detectors": [{ "status": 403 }, { "path": "$.errcode", "equals": 40001 }] }</c>.</summary>
    public static TokenExpirySettings ReadTokenExpiry(JsonNode? node, Report error)
    {
        if (node is null) return TokenExpirySettings.Default;
        if (node is not JsonObject o)
        {
            error("$.tokenExpiry", "MANIFEST_WRONG_TYPE", "'tokenExpiry' must be an object with refreshBefore and detectors");
            return TokenExpirySettings.Default;
        }
        foreach (var (field, _) in o)
            if (field is not ("refreshBefore" or "detectors"))
                error(JsonPath.Property("$.tokenExpiry", field), "MANIFEST_UNKNOWN_FIELD", $"unknown tokenExpiry field '{field}'; it takes refreshBefore, detectors");
        var margin = TokenExpirySettings.Default.RefreshBefore;
        if (o["refreshBefore"] is { } before)
        {
            if (ReadDuration(before) is { } parsed && parsed >= TimeSpan.Zero && parsed <= TimeSpan.FromDays(1)) margin = parsed;
            else error("$.tokenExpiry.refreshBefore", "MANIFEST_TOKEN_EXPIRY", "'refreshBefore' must be a duration up to 1.00:00:00, e.g. \"00:02:00\"");
        }
        var detectors = new List<ExpiryDetector>();
        if (o["detectors"] is { } list)
        {
            if (list is not JsonArray array)
            {
                error("$.tokenExpiry.detectors", "MANIFEST_WRONG_TYPE", "'detectors' must be an array");
                return new(margin, detectors);
            }
            for (var i = 0; i < array.Count; i++)
            {
                var path = $"$.tokenExpiry.detectors[{i}]";
                if (array[i] is not JsonObject d)
                {
                    error(path, "MANIFEST_WRONG_TYPE", "a detector is { \"status\": 401 } or { \"path\": \"$.errcode\", \"equals\": 40001 }");
                    continue;
                }
                foreach (var (field, _) in d)
                    if (field is not ("status" or "path" or "equals"))
                        error(JsonPath.Property(path, field), "MANIFEST_UNKNOWN_FIELD", $"unknown detector field '{field}'; it takes status, path, equals");
                int? status = d["status"] is JsonValue s && s.TryGetValue(out int code) ? code : null;
                if (d["status"] is not null && status is not (>= 100 and <= 599))
                {
                    error(path + ".status", "MANIFEST_TOKEN_EXPIRY", "'status' must be an HTTP status code");
                    continue;
                }
                var jsonPath = d["path"] is JsonValue p && p.TryGetValue(out string? text) ? text : null;
                if (d["path"] is not null && (jsonPath is null || ExpiryDetection.ParsePath(jsonPath) is null))
                {
                    error(path + ".path", "MANIFEST_TOKEN_EXPIRY", "'path' must be a JSON path of property names, e.g. \"$.errcode\" or \"$.error.code\"");
                    continue;
                }
                if (jsonPath is not null && !d.ContainsKey("equals"))
                {
                    error(path + ".equals", "MANIFEST_TOKEN_EXPIRY", "a detector with 'path' needs 'equals': the value the vendor sends for an expired token");
                    continue;
                }
                if (status is null && jsonPath is null)
                {
                    error(path, "MANIFEST_TOKEN_EXPIRY", "a detector needs 'status', 'path' or both");
                    continue;
                }
                detectors.Add(new ExpiryDetector(status, jsonPath, d["equals"]?.DeepClone()));
            }
        }
        return new(margin, detectors);
    }

    private static TimeSpan? ReadDuration(JsonNode? node) =>
        node is JsonValue v && v.TryGetValue(out string? text) && TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) ? span : null;
}
