using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Collection;

/// <summary>
/// One page of a template, tried before it is saved (the designer's Test button): the request the first page
/// sends, and what the answer gives — the raw sample to pick fields from, the mapped users, the records the
/// filters leave out, and where the next page is (or why the paging would fail).
/// </summary>
public static partial class TemplatePreview
{
    /// <summary>Records asked for in a test: enough to see the data and the cursor, small enough to read.</summary>
    public const int SampleSize = 20;

    [GeneratedRegex("<([^>]+)>\\s*;[^,]*rel=\"?next\"?", RegexOptions.IgnoreCase)] private static partial Regex NextLink();

    /// <summary>The first page's query: the template's fixed query and its paging parameters, asking for a small page.</summary>
    public static JsonObject FirstPageQuery(CollectionTemplate template)
    {
        var query = template.Query is null ? new JsonObject() : (JsonObject)template.Query.DeepClone();
        var p = template.Pagination;
        var size = Math.Min(p.Limit, SampleSize);
        switch (p.Kind)
        {
            case TemplatePaginationKind.OffsetLimit:
                query[p.OffsetParameter] = 0;
                if (p.LimitParameter.Length > 0) query[p.LimitParameter] = size;
                break;
            case TemplatePaginationKind.PageNumber:
                query[p.PageParameter] = p.FirstPage;
                if (p.PageSizeParameter.Length > 0) query[p.PageSizeParameter] = size;
                break;
            case TemplatePaginationKind.CursorLimit or TemplatePaginationKind.LinkHeader when p.LimitParameter.Length > 0:
                query[p.LimitParameter] = size;
                break;
        }
        return query;
    }

    /// <summary>What the answer to <see cref="FirstPageQuery"/> gives.</summary>
    public static JsonObject Analyze(CollectionTemplate template, int status, JsonObject? headers, JsonNode? body)
    {
        var contentType = (headers?["content-type"]?.GetValue<string>() ?? "").Split(';')[0].Trim();
        var result = new JsonObject
        {
            ["status"] = status,
            ["contentType"] = contentType.Length == 0 ? null : contentType,
            ["sample"] = body?.DeepClone(),
        };
        var problems = new JsonArray();
        result["problems"] = problems;
        void Problem(string path, string message) => problems.Add(new JsonObject { ["path"] = path, ["message"] = message });

        if (status is < 200 or > 299)
        {
            Problem("$.usersUrl", $"{template.Vendor} answered HTTP {status}{(template.ResponseCheck?.ErrorField is { } e && JsonValues.GetPath(body, e) is { } why ? ": " + JsonValues.ToText(why) : "")}");
            return result;
        }
        if (body is not (JsonObject or JsonArray))
        {
            Problem("$.usersUrl", $"{template.Vendor} answered {(contentType.Length == 0 ? "without a content type" : contentType)}, not JSON: '{Excerpt(body is null ? "" : JsonValues.ToText(body))}'");
            return result;
        }
        if (template.ResponseCheck is { } check && !(JsonValues.GetPath(body, check.OkField) is JsonValue okValue && okValue.TryGetValue(out bool isOk) && isOk))
        {
            var why = check.ErrorField is { } errorField && JsonValues.GetPath(body, errorField) is { } error ? JsonValues.ToText(error) : $"'{check.OkField}' is not true";
            Problem("$.responseCheck", $"{template.Vendor} error: {why}");
            return result;
        }
        if (!TryFind(body, template.RecordsPath, out var records, out var hint))
        {
            Problem("$.recordsPath", $"no '{template.RecordsPath}' in the response; {hint}");
            return result;
        }
        if (records is not JsonArray list)
        {
            Problem("$.recordsPath", records is null ? $"'{template.RecordsPath}' is null" : $"'{(template.RecordsPath.Length == 0 ? "the body" : template.RecordsPath)}' is {ValueTypes.Describe(records)}, not a list of records");
            return result;
        }

        var mapper = new UserMapper(template.Mapping, template.Filters, template.Activity);
        var (users, filtered, skipped) = mapper.Classify(list);
        result["records"] = list.Count;
        result["users"] = new JsonArray(users.Select(u => (JsonNode?)UserJson(u)).ToArray());
        result["filteredOut"] = new JsonArray(filtered.Select(r => r?.DeepClone()).ToArray());
        result["withoutId"] = new JsonArray(skipped.Select(r => r?.DeepClone()).ToArray());
        if (list.Count > 0 && skipped.Count == list.Count - filtered.Count && skipped.Count > 0)
            Problem("$.mapping.id", $"no kept record has a value at '{template.Mapping.Id}'; pick the field that identifies a user");
        result["next"] = Next(template, body, headers, list.Count);
        if (result["next"]!["problem"] is JsonValue nextProblem) Problem("$.pagination", nextProblem.GetValue<string>());
        return result;
    }

    private static JsonObject Next(CollectionTemplate template, JsonNode body, JsonObject? headers, int count)
    {
        var p = template.Pagination;
        var size = Math.Min(p.Limit, SampleSize);
        switch (p.Kind)
        {
            case TemplatePaginationKind.None:
                return new JsonObject { ["kind"] = "none", ["more"] = false, ["description"] = "one page: no pagination" };
            case TemplatePaginationKind.OffsetLimit:
                return count == 0
                    ? new JsonObject { ["kind"] = "offsetLimit", ["more"] = false, ["description"] = "the first page is empty" }
                    : new JsonObject { ["kind"] = "offsetLimit", ["more"] = true, ["offset"] = count, ["description"] = $"next page: {p.OffsetParameter}={count}; paging stops at an empty page{(p.StopOnShortPage ? " or a short one" : "")}" };
            case TemplatePaginationKind.PageNumber:
                return count == 0
                    ? new JsonObject { ["kind"] = "pageNumber", ["more"] = false, ["description"] = "the first page is empty" }
                    : new JsonObject { ["kind"] = "pageNumber", ["more"] = true, ["page"] = p.FirstPage + 1, ["description"] = $"next page: {p.PageParameter}={p.FirstPage + 1}; paging stops at an empty page{(p.StopOnShortPage ? " or a short one" : "")}" };
            case TemplatePaginationKind.CursorLimit:
                if (!TryFind(body, p.CursorPath, out var cursor, out var hint))
                {
                    var full = p.LimitParameter.Length == 0 || count >= size;
                    return full
                        ? new JsonObject { ["kind"] = "cursorLimit", ["more"] = false, ["problem"] = $"the cursor path '{p.CursorPath}' is not in the response of a full page; {hint}" }
                        : new JsonObject { ["kind"] = "cursorLimit", ["more"] = false, ["description"] = $"no '{p.CursorPath}' on a short page: this is the only page" };
                }
                var text = JsonValues.IsNull(cursor) ? "" : JsonValues.ToText(cursor);
                return text.Length == 0
                    ? new JsonObject { ["kind"] = "cursorLimit", ["more"] = false, ["cursor"] = null, ["description"] = $"'{p.CursorPath}' is empty: this is the only page" }
                    : new JsonObject { ["kind"] = "cursorLimit", ["more"] = true, ["cursor"] = text, ["description"] = $"next page: {p.CursorParameter}={text}" };
            default:
                var link = headers?["link"]?.GetValue<string>();
                var next = link is null ? null : NextLink().Match(link) is { Success: true } m ? m.Groups[1].Value : null;
                return next is null
                    ? new JsonObject { ["kind"] = "linkHeader", ["more"] = false, ["description"] = "no Link rel=\"next\": this is the only page" }
                    : new JsonObject { ["kind"] = "linkHeader", ["more"] = true, ["url"] = next, ["description"] = $"next page: {next}" };
        }
    }

    private static JsonObject UserJson(CollectedUser u) => new()
    {
        ["id"] = u.VendorId,
        ["email"] = u.Email,
        ["name"] = u.Name,
        ["department"] = u.Department,
        ["status"] = u.Status,
        ["created"] = u.CreatedAt?.ToString("O", CultureInfo.InvariantCulture),
        ["lastActivity"] = u.LastActivityAt?.ToString("O", CultureInfo.InvariantCulture),
        ["application"] = u.Application,
    };

    private static bool TryFind(JsonNode? root, string path, out JsonNode? value, out string hint)
    {
        value = root;
        hint = "";
        var walked = new List<string>();
        foreach (var segment in JsonValues.ParsePath(path))
        {
            if (value is JsonObject o && o.TryGetPropertyValue(segment, out var next)) value = next;
            else if (value is JsonArray a && int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count) value = a[i];
            else
            {
                var where = walked.Count == 0 ? "the response" : $"'{string.Join('.', walked)}'";
                hint = value is JsonObject obj ? $"{where} has: {string.Join(", ", obj.Select(p => p.Key).Take(20))}" : $"{where} is {ValueTypes.Describe(value)}";
                return false;
            }
            walked.Add(segment);
        }
        return true;
    }

    private static string Excerpt(string text)
    {
        var oneLine = new string(text.Take(200).Select(c => char.IsControl(c) ? ' ' : c).ToArray());
        return text.Length > 200 ? oneLine + "…" : oneLine;
    }
}
