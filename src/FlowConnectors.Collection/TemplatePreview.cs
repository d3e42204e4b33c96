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

    /// <summary>What the answer to <see cref="FirstPageQuery"/> gives; each problem names the template's JSON path.</summary>
    public static CollectionTemplateTestResult Analyze(CollectionTemplate template, int status, JsonObject? headers, JsonNode? body)
    {
        var contentType = (headers?["content-type"]?.GetValue<string>() ?? "").Split(';')[0].Trim();
        var problems = new List<CollectionTemplateTestProblem>();
        var result = new CollectionTemplateTestResult(status, contentType.Length == 0 ? null : contentType, body?.DeepClone(), problems);
        void Problem(string path, string message) => problems.Add(new(path, message));

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
        List<CollectedUser> users;
        List<JsonNode?> filtered, skipped;
        try
        {
            (users, filtered, skipped) = mapper.Classify(list);
        }
        catch (InvalidDataException e)
        {
            // A value longer than the store keeps: the import would stop at this record.
            Problem("$.mapping", e.Message);
            return result with { Records = list.Count };
        }
        if (list.Count > 0 && skipped.Count == list.Count - filtered.Count && skipped.Count > 0)
            Problem("$.mapping.id", $"no kept record has a value at '{template.Mapping.Id}'; pick the field that identifies a user");
        var next = Next(template, body, headers, list.Count);
        if (next.Problem is { } nextProblem) Problem("$.pagination", nextProblem);
        return result with
        {
            Records = list.Count,
            Users = [.. users.Select(UserOf)],
            FilteredOut = new JsonArray(filtered.Select(r => r?.DeepClone()).ToArray()),
            WithoutId = new JsonArray(skipped.Select(r => r?.DeepClone()).ToArray()),
            Next = next,
        };
    }

    private static CollectionTemplateTestNext Next(CollectionTemplate template, JsonNode body, JsonObject? headers, int count)
    {
        var p = template.Pagination;
        var size = Math.Min(p.Limit, SampleSize);
        switch (p.Kind)
        {
            case TemplatePaginationKind.None:
                return new("none", false, Description: "one page: no pagination");
            case TemplatePaginationKind.OffsetLimit:
                return count == 0
                    ? new("offsetLimit", false, Description: "the first page is empty")
                    : new("offsetLimit", true, Offset: count, Description: $"next page: {p.OffsetParameter}={count}; paging stops at an empty page{(p.StopOnShortPage ? " or a short one" : "")}");
            case TemplatePaginationKind.PageNumber:
                return count == 0
                    ? new("pageNumber", false, Description: "the first page is empty")
                    : new("pageNumber", true, Page: p.FirstPage + 1, Description: $"next page: {p.PageParameter}={p.FirstPage + 1}; paging stops at an empty page{(p.StopOnShortPage ? " or a short one" : "")}");
            case TemplatePaginationKind.CursorLimit:
                if (!TryFind(body, p.CursorPath, out var cursor, out var hint))
                {
                    var full = p.LimitParameter.Length == 0 || count >= size;
                    return full
                        ? new("cursorLimit", false, Problem: $"the cursor path '{p.CursorPath}' is not in the response of a full page; {hint}")
                        : new("cursorLimit", false, Description: $"no '{p.CursorPath}' on a short page: this is the only page");
                }
                var text = JsonValues.IsNull(cursor) ? "" : JsonValues.ToText(cursor);
                return text.Length == 0
                    ? new("cursorLimit", false, Description: $"'{p.CursorPath}' is empty: this is the only page")
                    : new("cursorLimit", true, Cursor: text, Description: $"next page: {p.CursorParameter}={text}");
            default:
                var link = headers?["link"]?.GetValue<string>();
                var next = link is null ? null : NextLink().Match(link) is { Success: true } m ? m.Groups[1].Value : null;
                return next is null
                    ? new("linkHeader", false, Description: "no Link rel=\"next\": this is the only page")
                    : new("linkHeader", true, Url: next, Description: $"next page: {next}");
        }
    }

    private static CollectionTemplateTestUser UserOf(CollectedUser u) => new(u.VendorId, u.Email, u.Name, u.Department, u.Status,
        u.CreatedAt?.ToString("O", CultureInfo.InvariantCulture), u.LastActivityAt?.ToString("O", CultureInfo.InvariantCulture), u.Application);

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
