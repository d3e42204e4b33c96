using System.Text.Json.Nodes;
using FlowConnectors.Collection;

namespace FlowConnectors.Collection.Tests;

/// <summary>
/// Issue 13: mistakes and vendor quirks end in an error that says what was wrong, never in a run that
/// "succeeded" with part of the users or none. Each against a stub vendor on 127.0.0.1.
/// </summary>
public sealed class CollectionGuardTests
{
    private static JsonObject Member(int i) => new() { ["id"] = $"U{i:0000}", ["real_name"] = $"Person {i}", ["profile"] = new JsonObject { ["email"] = $"p{i}@example.com" } };

    /// <summary>A Slack-style users.list over <paramref name="total"/> members, 200 a page at most.</summary>
    private static Func<Microsoft.AspNetCore.Http.HttpContext, StubRequest, Task> Slack(int total) => (context, request) =>
    {
        var start = request.Query("cursor") is { Length: > 0 } cursor ? int.Parse(cursor[1..]) : 0;
        var limit = Math.Min(200, int.Parse(request.Query("limit") ?? "100"));
        var members = Enumerable.Range(start, Math.Max(0, Math.Min(limit, total - start))).Select(i => (JsonNode?)Member(i)).ToArray();
        return Respond.Json(context, 200, new JsonObject
        {
            ["ok"] = true,
            ["members"] = new JsonArray(members),
            ["response_metadata"] = new JsonObject { ["next_cursor"] = start + limit < total ? $"c{start + limit}" : "" },
        }.ToJsonString());
    };

    private static JsonObject SlackTemplate(string cursorPath)
    {
        var template = JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "flows", "templates", "slack" + TemplateReader.Extension)))!.AsObject();
        template["pagination"]!["cursorPath"] = cursorPath;
        return template;
    }

    [Fact]
    public async Task A_cursor_path_that_does_not_exist_fails_the_run_naming_the_path_and_the_keys_that_were_there()
    {
        await using var import = await TemplateImport.StartAsync(SlackTemplate("response_metadata.nextCursor"), Slack(1037), ("token", "xoxb-t"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe("pages: page 1: the cursor path 'response_metadata.nextCursor' is not in the response, and the page is full (200 records): " +
                           "more pages are likely. 'response_metadata' has: next_cursor");
        import.Stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task Offset_limit_collects_every_user_from_a_vendor_that_caps_pages_below_the_limit_asked_for()
    {
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "offsetLimit", ["limit"] = 200 });
        await using var import = await TemplateImport.StartAsync(template, (context, request) =>
        {
            var offset = int.Parse(request.Query("offset")!);
            var users = Enumerable.Range(offset, Math.Max(0, Math.Min(100, 1037 - offset))).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
            return Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users) }.ToJsonString());
        }, ("token", "k"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted).ShouldBe((11, 1037, 1037));
        import.Stub.Requests.Last().Query("offset").ShouldBe("1037");
    }

    [Fact]
    public async Task An_html_answer_fails_both_the_connection_test_and_the_run_naming_the_content_type_the_path_and_an_excerpt()
    {
        const string html = "<!DOCTYPE html><html><body>Sign in to continue</body></html>";
        await using var import = await TemplateImport.StartAsync(SlackTemplate("response_metadata.next_cursor"),
            (context, _) => Respond.Text(context, 200, html, "text/html; charset=utf-8"), ("token", "xoxb-t"));

        var test = await import.Runtime.Connections.TestConnectionAsync("conn1");
        test.Ok.ShouldBeFalse();
        // Not "HTTP 200": the vendor answered, with a page that is not its API.
        test.Reason.ShouldBe($"Slack answered text/html, not JSON, for the users URL; expected records at 'members': '{html}'");

        var run = await import.RunAsync();
        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe($"pages: page 1: the response is text/html, not JSON, so it has no records at 'members': '{html}'");
    }

    [Fact]
    public async Task A_json_answer_without_the_records_path_fails_the_connection_test_and_the_run()
    {
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "offsetLimit" });
        await using var import = await TemplateImport.StartAsync(template,
            (context, _) => Respond.Json(context, 200, """{"data":[{"id":"a"}],"total":1}"""), ("token", "k"));

        var test = await import.Runtime.Connections.TestConnectionAsync("conn1");
        test.Reason.ShouldBe("""Test answered without a list at 'users' (the response has: data, total): '{"data":[{"id":"a"}],"total":1}'""");

        var run = await import.RunAsync();
        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe("""pages: page 1: the response (application/json) has no 'users'; it has: data, total: '{"data":[{"id":"a"}],"total":1}'""");
    }

    [Fact]
    public async Task A_vendor_that_sends_the_same_cursor_forever_fails_the_run_at_the_second_page()
    {
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 });
        await using var import = await TemplateImport.StartAsync(template, (context, request) =>
        {
            var users = Enumerable.Range(request.Number * 10, 10).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
            return Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users), ["next"] = "stuck" }.ToJsonString());
        }, ("token", "k"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe("pages: page 2: the API sent the cursor 'stuck' again (cursorPath 'next'); it would send the same page forever");
        import.Stub.Hits.ShouldBe(2);
    }

    [Fact]
    public async Task A_vendor_that_ignores_the_offset_fails_the_run_naming_the_repeated_users_id()
    {
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "offsetLimit", ["limit"] = 2 });
        await using var import = await TemplateImport.StartAsync(template,
            (context, _) => Respond.Json(context, 200, """{"users":[{"id":"a","seen":1},{"id":"b"}]}"""), ("token", "k"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe("pages: page 2 starts with the same record as page 1 (id 'a'): the API ignores 'offset' and would send the same page forever");
    }

    [Theory]
    [InlineData("id", "a user id")]
    [InlineData("dept", "a department")]
    public async Task A_value_longer_than_the_store_indexes_fails_the_run_naming_the_record_and_the_field(string field, string what)
    {
        var template = TemplateReaderTests.Minimal();
        template["mapping"] = new JsonObject { ["id"] = "id", ["department"] = "dept" };
        var users = new JsonArray(
            new JsonObject { ["id"] = "a", ["dept"] = new string('d', CollectedUser.MaxIndexedLength) },
            new JsonObject { ["id"] = "b", ["dept"] = "Sales" });
        users[1]![field] = new string('x', 3000);
        await using var import = await TemplateImport.StartAsync(template,
            (context, _) => Respond.Json(context, 200, new JsonObject { ["users"] = users.DeepClone() }.ToJsonString()), ("token", "k"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe($"store: page 1, record 2: '{field}' is 3,000 characters long; {what} may be at most 500");
        run.Inserted.ShouldBe(0, "the page that holds it is not stored");
    }

    [Fact]
    public void Testing_a_template_whose_id_is_longer_than_the_store_indexes_names_the_record_under_the_mapping()
    {
        var template = TemplateReader.Parse(TemplateReaderTests.Minimal().ToJsonString());
        var body = new JsonObject { ["users"] = new JsonArray(new JsonObject { ["id"] = "a" }, new JsonObject { ["id"] = new string('x', 501) }) };

        var result = TemplatePreview.Analyze(template, 200, null, body);

        result.Problems.Select(p => (p.Path, p.Message)).ShouldBe([("$.mapping", "record 2: 'id' is 501 characters long; a user id may be at most 500")]);
        result.Records.ShouldBe(2);
    }

    [Fact]
    public async Task Updated_counts_every_row_update_however_the_pages_were_batched_for_the_store()
    {
        // Pages overlap by 5 users (the vendor's list shifted while paging): 10 pages, 55 users, 100 records.
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 });
        await using var import = await TemplateImport.StartAsync(template, (context, request) =>
        {
            var page = int.Parse(request.Query("cursor") ?? "0");
            var users = Enumerable.Range(page * 5, 10).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
            return Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users), ["next"] = page < 9 ? (page + 1).ToString() : "" }.ToJsonString());
        }, ("token", "k"));

        // Slow writes: pages wait for the store and are written several at a time.
        var run = await import.RunAsync(store: new TemplateImportTests.SlowWritesStore(import.Store, TimeSpan.FromMilliseconds(100)));

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Records, run.Inserted, run.Updated).ShouldBe((100, 55, 45));
        run.Users.ShouldBe(55);
    }
}
