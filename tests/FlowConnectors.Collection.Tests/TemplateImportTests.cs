using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Collection;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Persistence;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Collection.Tests;

/// <summary>
/// Each shipped template, compiled to a connector, imports from a stub of its vendor on 127.0.0.1
/// into a real SQLite store.
/// </summary>
public sealed class TemplateImportTests
{
    [Fact]
    public async Task The_slack_template_follows_the_cursor_sends_the_bot_token_and_leaves_out_bots()
    {
        var members = Enumerable.Range(1, 250).Select(i => new JsonObject
        {
            ["id"] = $"U{i:000}",
            ["real_name"] = $"Person {i}",
            ["deleted"] = false,
            ["is_bot"] = i == 7,
            ["updated"] = 1_762_000_000 + i,
            ["profile"] = new JsonObject { ["email"] = $"p{i}@example.com", ["title"] = i % 2 == 0 ? "Engineering" : "Sales" },
        }).ToList();
        members.Add(new JsonObject { ["id"] = "USLACKBOT", ["real_name"] = "Slackbot", ["is_bot"] = false, ["profile"] = new JsonObject() });
        await using var import = await TemplateImport.StartAsync("slack", (context, request) =>
        {
            var start = request.Query("cursor") is { } cursor ? int.Parse(cursor[1..]) : 0;
            var limit = int.Parse(request.Query("limit")!);
            var page = members.Skip(start).Take(limit).Select(m => (JsonNode?)m.DeepClone()).ToArray();
            var next = start + limit < members.Count ? $"c{start + limit}" : "";
            return Respond.Json(context, 200, new JsonObject
            {
                ["ok"] = true,
                ["members"] = new JsonArray(page),
                ["response_metadata"] = new JsonObject { ["next_cursor"] = next },
            }.ToJsonString());
        }, ("token", "xoxb-secret-token"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted, run.Updated, run.Filtered).ShouldBe((2, 251, 249, 0, 2));
        import.Stub.Requests.Select(r => r.QueryString).ShouldBe(["?limit=200", "?limit=200&cursor=c200"]);
        import.Stub.Requests.ShouldAllBe(r => r.Header("Authorization") == "Bearer xoxb-secret-token");
        var users = await import.Store.QueryUsersAsync(import.Key, new UserQuery { Sort = "vendorId", PageSize = 500 });
        users.Total.ShouldBe(249);
        users.Items.ShouldNotContain(u => u.User.VendorId == "U007" || u.User.VendorId == "USLACKBOT");
        var first = users.Items[0].User;
        first.ShouldBe(new CollectedUser
        {
            VendorId = "U001", Email = "p1@example.com", Name = "Person 1", Department = "Sales", Status = "false",
            LastActivityAt = DateTimeOffset.FromUnixTimeSeconds(1_762_000_001), Application = "Slack",
        });

        var again = await import.RunAsync();
        (again.Inserted, again.Updated).ShouldBe((0, 249));
    }

    [Fact]
    public async Task The_slack_template_fails_the_run_with_slacks_error_code_when_it_answers_ok_false()
    {
        await using var import = await TemplateImport.StartAsync("slack",
            (context, _) => Respond.Json(context, 200, """{"ok":false,"error":"invalid_auth"}"""), ("token", "xoxb-bad"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error.ShouldBe("apiError: Slack error after page 0: invalid_auth");
        run.StoppedAt.ShouldBe("page 1, after 0 pages and 0 users stored");
    }

    [Fact]
    public async Task The_github_template_follows_link_headers_and_keeps_only_users()
    {
        await using var import = await TemplateImport.StartAsync("github", (context, request) =>
        {
            var page = int.Parse(request.Query("page") ?? "1");
            var items = Enumerable.Range((page - 1) * 3 + 1, 3).Select(i => (JsonNode?)new JsonObject
            {
                ["id"] = 1000 + i, ["login"] = $"dev{i}", ["type"] = i == 5 ? "Bot" : "User",
            }).ToArray();
            if (page < 3)
                context.Response.Headers["Link"] = $"<http://{context.Request.Host}{request.Path}?filter=all&per_page=100&page={page + 1}>; rel=\"next\", <http://{context.Request.Host}{request.Path}?page=3>; rel=\"last\"";
            return Respond.Json(context, 200, new JsonArray(items).ToJsonString());
        }, ("token", "ghp_secret"), ("org", "octo-org"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted, run.Filtered).ShouldBe((3, 9, 8, 1));
        import.Stub.Requests.Select(r => r.Path + r.QueryString).ShouldBe([
            "/orgs/octo-org/members?filter=all&per_page=100",
            "/orgs/octo-org/members?filter=all&per_page=100&page=2",
            "/orgs/octo-org/members?filter=all&per_page=100&page=3",
        ]);
        import.Stub.Requests.ShouldAllBe(r => r.Header("Authorization") == "Bearer ghp_secret");
        var users = await import.Store.QueryUsersAsync(import.Key, new UserQuery { Sort = "vendorId" });
        users.Items.Select(u => u.User.Name).ShouldBe(["dev1", "dev2", "dev3", "dev4", "dev6", "dev7", "dev8", "dev9"]);
    }

    [Fact]
    public async Task The_servicenow_template_pages_with_sysparm_offset_and_sends_client_credentials_in_the_body()
    {
        var records = Enumerable.Range(0, 230).Select(i => new JsonObject
        {
            ["sys_id"] = $"sys{i:000}",
            ["email"] = $"u{i}@corp.example",
            ["name"] = $"User {i}",
            ["department"] = i < 100 ? "IT" : "Finance",
            ["active"] = i % 10 == 9 ? "false" : "true",
            ["sys_created_on"] = "2024-02-01 08:30:00",
            ["last_login_time"] = i == 0 ? "" : "2026-10-15 17:00:00",
        }).ToList();
        await using var import = await TemplateImport.StartAsync("servicenow", (context, request) =>
        {
            if (request.Path == "/oauth_token.do")
                return Respond.Json(context, 200, """{"access_token":"snow-access","token_type":"Bearer","expires_in":1800}""");
            var offset = int.Parse(request.Query("sysparm_offset")!);
            var limit = int.Parse(request.Query("sysparm_limit")!);
            return Respond.Json(context, 200, new JsonObject { ["result"] = new JsonArray(records.Skip(offset).Take(limit).Select(r => (JsonNode?)r.DeepClone()).ToArray()) }.ToJsonString());
        }, ("clientId", "snow-client"), ("clientSecret", "snow-secret"), ("instance", "dev123"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted, run.Filtered).ShouldBe((3, 230, 207, 23));
        var token = import.Stub.To("/oauth_token.do").ShouldHaveSingleItem();
        (token.Form("grant_type"), token.Form("client_id"), token.Form("client_secret")).ShouldBe(("client_credentials", "snow-client", "snow-secret"));
        token.Header("Authorization").ShouldBeNull();
        var pages = import.Stub.To("/api/now/table/sys_user");
        // Paging ends at the empty page after the last records, as Flexera's offset rule says (a short page is not the end).
        pages.Select(r => (r.Query("sysparm_offset"), r.Query("sysparm_limit"))).ShouldBe([("0", "100"), ("100", "100"), ("200", "100"), ("230", "100")]);
        pages.ShouldAllBe(r => r.Header("Authorization") == "Bearer snow-access" && r.Query("sysparm_display_value") == "true");
        var user = (await import.Store.QueryUsersAsync(import.Key, new UserQuery { Sort = "vendorId", PageSize = 2 })).Items;
        user[0].User.LastActivityAt.ShouldBeNull();
        user[1].User.ShouldBe(new CollectedUser
        {
            VendorId = "sys001", Email = "u1@corp.example", Name = "User 1", Department = "IT", Status = "true",
            CreatedAt = new DateTimeOffset(2024, 2, 1, 8, 30, 0, TimeSpan.Zero), LastActivityAt = new DateTimeOffset(2026, 10, 15, 17, 0, 0, TimeSpan.Zero),
            Application = "ServiceNow",
        });
    }

    [Fact]
    public async Task The_page_number_template_stops_at_a_short_page_and_sends_client_credentials_in_a_basic_header()
    {
        await using var import = await TemplateImport.StartAsync("hr-directory", (context, request) =>
        {
            if (request.Path == "/oauth2/token")
                return Respond.Json(context, 200, """{"access_token":"hr-access","token_type":"Bearer","expires_in":3600}""");
            var page = int.Parse(request.Query("page")!);
            var size = int.Parse(request.Query("page_size")!);
            var items = Enumerable.Range((page - 1) * size, Math.Max(0, Math.Min(size, 150 - (page - 1) * size))).Select(i => (JsonNode?)new JsonObject
            {
                ["employee_id"] = $"E{i}",
                ["full_name"] = $"Employee {i}",
                ["work_email"] = $"e{i}@hr.example",
                ["department"] = new JsonObject { ["name"] = "Ops" },
                ["employment_status"] = i == 3 ? "terminated" : "active",
                ["hire_date"] = "2025-06-01",
                ["last_sign_in"] = "2026-11-01T10:00:00Z",
            }).ToArray();
            return Respond.Json(context, 200, new JsonObject { ["data"] = new JsonArray(items) }.ToJsonString());
        }, ("clientId", "hr-client"), ("clientSecret", "hr-secret"));

        var run = await import.RunAsync();

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted, run.Filtered).ShouldBe((2, 150, 149, 1));
        var token = import.Stub.To("/oauth2/token").ShouldHaveSingleItem();
        token.Header("Authorization").ShouldBe("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("hr-client:hr-secret")));
        token.Form("scope").ShouldBe("employees.read");
        import.Stub.To("/v1/employees").Select(r => r.QueryString).ShouldBe(["?page=1&page_size=100", "?page=2&page_size=100"]);
        var user = (await import.Store.QueryUsersAsync(import.Key, new UserQuery { Search = "e42@" })).Items.ShouldHaveSingleItem().User;
        (user.Department, user.Status, user.Application).ShouldBe(("Ops", "active", "HR Portal"));
    }

    [Fact]
    public async Task A_failing_page_is_retried_and_a_run_that_still_fails_keeps_what_it_stored_and_says_where_it_stopped()
    {
        var template = TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 });
        template["http"] = new JsonObject { ["maxRetries"] = 2, ["baseDelay"] = "00:00:00.010" };
        var pageThree = 0;
        await using var import = await TemplateImport.StartAsync(template, (context, request) =>
        {
            var start = int.Parse(request.Query("cursor") ?? "0");
            if (start == 20)
            {
                Interlocked.Increment(ref pageThree);
                return Respond.Json(context, 503, """{"error":"maintenance"}""");
            }
            var users = Enumerable.Range(start, 10).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
            return Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users), ["next"] = (start + 10).ToString() }.ToJsonString());
        }, ("token", "k"));

        var progress = new List<int>();
        var run = await import.RunAsync(p => progress.Add(p.Pages));

        run.Status.ShouldBe(CollectionRunStatus.Failed);
        run.Error!.ShouldStartWith("pages: page 3: HTTP 503 from 127.0.0.1");
        run.StoppedAt.ShouldBe("page 3, after 2 pages and 20 users stored");
        pageThree.ShouldBe(3); // the first try and two retries
        (await import.Store.QueryUsersAsync(import.Key, new UserQuery())).Total.ShouldBe(20);
        (await import.Store.GetRunAsync(run.Id)).ShouldBe(run);
        // Progress is reported per write, and pages that wait for the store are written together:
        // page 1 alone then page 2, or both at once — never a page that was not stored.
        string.Join(",", progress).ShouldBeOneOf("1,2,2", "2,2");
    }

    [Fact]
    public async Task A_slow_vendors_pages_are_stored_while_the_next_one_is_awaited_not_only_when_the_run_ends()
    {
        var firstPageStored = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var storedBeforeSecondPageAnswered = false;
        await using var import = await TemplateImport.StartAsync(
            TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 }),
            async (context, request) =>
            {
                var start = int.Parse(request.Query("cursor") ?? "0");
                if (start == 10)
                {
                    // The vendor is slow with page 2: page 1 (less than a write batch) must be stored meanwhile.
                    await Task.WhenAny(firstPageStored.Task, Task.Delay(TimeSpan.FromSeconds(10)));
                    storedBeforeSecondPageAnswered = firstPageStored.Task.IsCompleted;
                }
                var users = Enumerable.Range(start, 10).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
                await Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users), ["next"] = start < 10 ? "10" : "" }.ToJsonString());
            }, ("token", "k"));

        var run = await import.RunAsync(p => { if (p.Pages >= 1 && p.Status == CollectionRunStatus.Running) firstPageStored.TrySetResult(); });

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        storedBeforeSecondPageAnswered.ShouldBeTrue();
        (run.Pages, run.Inserted).ShouldBe((2, 20));
    }

    [Fact]
    public async Task Every_page_is_stored_when_the_vendor_is_faster_than_the_store_and_the_run_ends_mid_batch()
    {
        await using var import = await TemplateImport.StartAsync(
            TemplateReaderTests.Minimal(new JsonObject { ["kind"] = "cursorLimit", ["cursorPath"] = "next", ["limit"] = 10 }),
            (context, request) =>
            {
                var start = int.Parse(request.Query("cursor") ?? "0");
                var users = Enumerable.Range(start, 10).Select(i => (JsonNode?)new JsonObject { ["id"] = $"u{i}" }).ToArray();
                return Respond.Json(context, 200, new JsonObject { ["users"] = new JsonArray(users), ["next"] = start < 60 ? (start + 10).ToString() : "" }.ToJsonString());
            }, ("token", "k"));

        // Each write takes 150 ms: the 7 pages are all fetched while the first batch is still being written,
        // so the run ends with pages waiting behind a busy writer.
        var run = await import.RunAsync(store: new SlowWritesStore(import.Store, TimeSpan.FromMilliseconds(150)));

        run.Status.ShouldBe(CollectionRunStatus.Succeeded, run.Error);
        (run.Pages, run.Records, run.Inserted).ShouldBe((7, 70, 70));
        (await import.Store.QueryUsersAsync(import.Key, new UserQuery())).Total.ShouldBe(70);
    }

    /// <summary>The real store, with every import write made slow.</summary>
    internal sealed class SlowWritesStore(ICollectionStore inner, TimeSpan delay) : DelegatingCollectionStore(inner)
    {
        public override async Task<ICollectedUserWriter> OpenUserWriterAsync(string connectorKey, DateTimeOffset now, CancellationToken ct = default) =>
            new SlowWriter(await base.OpenUserWriterAsync(connectorKey, now, ct), delay);

        private sealed class SlowWriter(ICollectedUserWriter writer, TimeSpan delay) : ICollectedUserWriter
        {
            public async Task<UpsertResult> UpsertAsync(IReadOnlyList<CollectedUser> users, CancellationToken ct = default)
            {
                await Task.Delay(delay, ct);
                return await writer.UpsertAsync(users, ct);
            }

            public ValueTask DisposeAsync() => writer.DisposeAsync();
        }
    }

    [Fact]
    public async Task The_collect_flow_runs_outside_an_import_as_a_preview_that_stores_nothing()
    {
        await using var import = await TemplateImport.StartAsync(TemplateReaderTests.Minimal(), (context, _) =>
            Respond.Json(context, 200, """{"users":[{"id":"a","name":"Ann"},{"name":"no id"}]}"""), ("token", "k"));

        var run = await import.Runtime.Actions.RunFlowAsync(import.Key, TemplateCompiler.CollectFlow, "conn1", null);

        run.ShouldHaveFinished();
        run.Journal.Single(e => e.NodeId == "store").Outputs!["users"]!.ToJsonString()
            .ShouldBe("""[{"id":"a","email":null,"name":null,"department":null,"status":null,"created":null,"lastActivity":null,"application":null}]""");
        run.Journal.Single(e => e.NodeId == "store").Outputs!["skipped"]!.GetValue<int>().ShouldBe(1);
        (await import.Store.QueryUsersAsync(import.Key, new UserQuery())).Total.ShouldBe(0);
    }

    [Fact]
    public async Task A_compiled_template_is_a_valid_connector_whose_collect_flow_pages_into_the_store_node()
    {
        foreach (var file in Directory.GetFiles(Path.Combine(Repo.Root, "flows", "templates"), "*" + TemplateReader.Extension))
        {
            var folder = TemplateImport.Compile(JsonNode.Parse(File.ReadAllText(file))!.AsObject(), "Acme users", null);
            var (package, problems) = ConnectorPackage.Load(folder, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry().AddCollection() }));
            problems.Where(p => p.IsError).ShouldBeEmpty(file);
            package!.Manifest.Key.ShouldBe("acme-users");
            package.Flows.Keys.ShouldBe(["_authping", "collectUsers", "httpHelper"], ignoreOrder: true);
            var collect = package.FindFlow(TemplateCompiler.CollectFlow)!.Definition;
            collect.Nodes.Select(n => n.Type).ShouldContain("Http.Paginate");
            collect.Nodes.Select(n => n.Type).ShouldContain("Collection.StoreUsers");
            // Credentials are password connection parameters: encrypted in a connection, never in the folder.
            package.Manifest.ConnectionParameters.Where(p => p.Name is "token" or "clientSecret").ShouldHaveSingleItem().Type.ShouldBe(ConnectionParameterType.Password);
        }
    }
}

/// <summary>A template compiled into a connector, a stub vendor, a connection and a SQLite collection store.</summary>
internal sealed class TemplateImport : IAsyncDisposable
{
    private readonly ServiceProvider _services;
    private readonly Harness _harness;

    private TemplateImport(Harness harness, ServiceProvider services)
    {
        _harness = harness;
        _services = services;
        Store = services.GetRequiredService<ICollectionStore>();
    }

    public StubServer Stub => _harness.Stub;
    public ConnectorRuntime Runtime => _harness.Runtime;
    public ICollectionStore Store { get; }
    public string Key => _harness.Key;

    public static Task<TemplateImport> StartAsync(string shipped, Func<HttpContext, StubRequest, Task> handler, params (string Name, string Value)[] values) =>
        StartAsync(JsonNode.Parse(File.ReadAllText(Path.Combine(Repo.Root, "flows", "templates", shipped + TemplateReader.Extension)))!.AsObject(), handler, values);

    public static async Task<TemplateImport> StartAsync(JsonObject template, Func<HttpContext, StubRequest, Task> handler, params (string Name, string Value)[] values)
    {
        var folder = Compile(template, "Imported users", null);
        var (package, problems) = ConnectorPackage.Load(folder, new FlowEngine(new FlowEngineOptions { Registry = ConnectorRuntime.CreateRegistry().AddCollection() }));
        problems.Where(p => p.IsError).ShouldBeEmpty();
        var harness = await Harness.StartAsync(package!, handler);
        // The collect flow also runs through the runtime (a preview), so its registry knows Collection.StoreUsers.
        harness.Runtime.Registry.AddCollection();
        await harness.ConnectAsync(values);
        var services = new ServiceCollection()
            .AddSingleton<IDataProtectionProvider>(new EphemeralDataProtectionProvider())
            .AddFlowPersistence(PersistenceOptions.Sqlite(Path.Combine(Path.GetTempPath(), $"fc-collect-{Guid.NewGuid():N}.db")))
            .BuildServiceProvider();
        await PersistenceInitializer.MigrateAsync(services);
        return new TemplateImport(harness, services);
    }

    public static string Compile(JsonObject template, string name, string? key)
    {
        var folder = Path.Combine(Path.GetTempPath(), $"fc-template-{Guid.NewGuid():N}");
        TemplateCompiler.WriteFolder(TemplateReader.Parse(template.ToJsonString()), template, new CompileOptions { Name = name, Key = key }, folder);
        return folder;
    }

    public async Task<CollectionRun> RunAsync(Action<CollectionRun>? progress = null, ICollectionStore? store = null)
    {
        var runner = new CollectionRunner(Runtime, store ?? Store, _harness.Clock) { SaveInterval = TimeSpan.Zero };
        var run = await runner.CreateRunAsync(Key, "manual");
        return await runner.RunAsync(run, "conn1", progress);
    }

    public async ValueTask DisposeAsync()
    {
        await _harness.DisposeAsync();
        await _services.DisposeAsync();
    }
}
