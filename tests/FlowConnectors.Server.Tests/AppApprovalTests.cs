using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// The Workspace ONE Intelligence app-approval workflow end to end: the real server, the flows of the
/// repository, ServiceNow and UEM stubs reached through the connections' Base URL parameter, and the
/// request exactly as Workspace ONE documents it.
/// </summary>
/// <summary>App approvals end to end; the refusals that store nothing share one server and vendor stub (<see cref="RefusalServer"/>).</summary>
public sealed class AppApprovalTests(AppApprovalTests.RefusalServer refusals) : IClassFixture<AppApprovalTests.RefusalServer>
{
    /// <summary>The request UEM sends (Workspace ONE Intelligence documentation, verbatim).</summary>
    private const string DocumentedRequest = """
        { "RequestId": "bffb4469-56fb-4141-9ab0-0897f65143ba",
          "RequestFor": { "UserId": "15", "UserAttributes": { "user_name": "username", "last_name": "user", "first_name": "name", "email": "" } },
          "Domain": "${domain}", "DeviceId": 123,
          "DeviceProperties": { "name": "Device Name", "device_udid": "F11C43E8307092418D7D5B0D9B48F235", "platform": "Windows 10" },
          "Notes": "Notes",
          "CatalogItem": { "Id": "267", "Name": "App Name", "Categories": null,
            "Properties": { "package_id": "{12345A78-40C1-2702-0000-000004000000}", "version": "9.20.0", "platform": "WinRT" } },
          "DueDate": 1568989813956,
          "Links": { "ApprovalNotify": { "Url": "<CallbackURL>" } } }
        """;

    private const string SampleId = "bffb4469-56fb-4141-9ab0-0897f65143ba";
    private const string Hook = "/hooks/app-approvals/requests";

    /// <summary>The documented request with its callback placeholder filled in (and optionally another RequestId).</summary>
    private static string Sample(ApprovalVendors vendors, string requestId = SampleId) =>
        DocumentedRequest.Replace("<CallbackURL>", vendors.NotifyUrl(requestId), StringComparison.Ordinal).Replace(SampleId, requestId, StringComparison.Ordinal);

    private static async Task<TestServer> StartAsync(ApprovalVendors vendors, string? data = null, string? flows = null)
    {
        var server = await TestServer.StartAsync(null, data, flows);
        await CreateConnectionsAsync(server, vendors);
        return server;
    }

    private static async Task CreateConnectionsAsync(TestServer server, ApprovalVendors vendors)
    {
        (await server.PostJsonAsync("/api/connections", new
        {
            id = "servicenow", connector = "servicenow", name = "ServiceNow",
            values = new { instance = "dev1", username = "flow.bot", password = "sn-secret-pass", apiNamespace = "x_vmw_intel", baseUrl = vendors.BaseUrl },
        })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/connections", new
        {
            id = "uem", connector = "workspace-one-uem", name = "UEM",
            values = new { hostname = "uem.example", username = "api.user", password = "uem-secret-pass", tenantCode = "tenant-code-123", baseUrl = vendors.BaseUrl },
        })).Status.ShouldBe(201);
    }

    private static async Task<(int Status, JsonNode? Body)> PostAsync(HttpClient client, string url, string json)
    {
        var response = await client.PostAsync(url, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return ((int)response.StatusCode, text.Length == 0 ? null : JsonNode.Parse(text));
    }

    private static Task<(int Status, JsonNode? Body)> SubmitAsync(TestServer server, string json) => PostAsync(server.Client, Hook, json);

    private static Task<JsonNode> StatusAsync(TestServer server, string requestId, string expected) =>
        TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/app-approvals/{requestId}"), s => (string?)s["status"] == expected, $"status {expected}");

    /// <summary>
    /// Waits for a status while time passes: the server's clock is a fake one, and retry delays wait on
    /// it, so each look advances it a quarter of a second. The request may not be stored yet (404).
    /// </summary>
    private static Task<JsonNode> WhileTimePassesAsync(TestServer server, string requestId, string expected) =>
        TestServer.EventuallyAsync(async () =>
        {
            server.Clock.Advance(TimeSpan.FromMilliseconds(250));
            using var response = await server.Client.GetAsync($"/api/app-approvals/{requestId}");
            return response.IsSuccessStatusCode ? JsonNode.Parse(await response.Content.ReadAsStringAsync())! : new JsonObject();
        }, s => (string?)s["status"] == expected, $"status {expected}");

    private static Task NotifiedAsync(ApprovalVendors vendors, string requestId, params string[] statuses) =>
        TestServer.EventuallyAsync(() => Task.FromResult(vendors.Notified(requestId)), n => n.SequenceEqual(statuses), $"UEM told {string.Join(", ", statuses)}");

    private static string CallbackUrl(ApprovalVendors vendors, string requestId) =>
        (string)vendors.Submissions.Last(r => (string?)r.Body!["request_id"] == requestId).Body!["callback_url"]!;

    private static string Decision(string requestId, string status, string deviceId = "123") => new JsonObject
    {
        ["request_id"] = requestId, ["device_id"] = deviceId, ["approval_status"] = status,
        ["updated_by"] = "grace", ["notes"] = "licence available", ["updated_at"] = "2026-11-03 10:00:00",
    }.ToJsonString();

    [Fact]
    public async Task The_documented_request_is_accepted_exactly_as_sent()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);

        var (status, body) = await SubmitAsync(server, DocumentedRequest);
        status.ShouldBe(202, body?.ToJsonString());
        var request = await StatusAsync(server, SampleId, "Pending Approval");

        var submitted = vendors.Submissions.ShouldHaveSingleItem();
        submitted.Method.ShouldBe("POST");
        submitted.Path.ShouldBe("/api/x_vmw_intel/appapproval/request");
        submitted.Authorization!.ShouldStartWith("Basic ");
        submitted.IdempotencyKey.ShouldBe($"app-approval:{SampleId}:submit");
        var sent = submitted.Body!;
        ((string?)sent["request_id"]).ShouldBe(SampleId);
        ((string?)sent["device_id"]).ShouldBe("123");
        ((string?)sent["app_id"]).ShouldBe("267");
        ((string?)sent["app_name"]).ShouldBe("App Name");
        ((string?)sent["package_id"]).ShouldBe("{12345A78-40C1-2702-0000-000004000000}");
        ((string?)sent["version"]).ShouldBe("9.20.0");
        ((string?)sent["platform"]).ShouldBe("WinRT");
        ((string?)sent["requested_for"]!["UserId"]).ShouldBe("15");
        ((long)sent["due_date"]!).ShouldBe(1568989813956);
        ((string?)sent["callback_url"]).ShouldStartWith(server.Address.ToString().TrimEnd('/') + "/callbacks/");

        ((string?)request["hubStatus"]).ShouldBe("Pending");
        ((string?)request["device"]!["id"]).ShouldBe("123");
        ((string?)request["device"]!["name"]).ShouldBe("Device Name");
        ((string?)request["app"]!["id"]).ShouldBe("267");
        ((string?)request["app"]!["packageId"]).ShouldBe("{12345A78-40C1-2702-0000-000004000000}");
        ((string?)request["user"]!["userName"]).ShouldBe("username");
        // The device, app and user are the AppApprovalDevice/App/User records the OpenAPI document names, member for member.
        request["device"]!.AsObject().Select(m => m.Key).ShouldBe(["id", "name", "udid", "platform"]);
        request["app"]!.AsObject().Select(m => m.Key).ShouldBe(["id", "name", "packageId", "version", "platform"]);
        request["user"]!.AsObject().Select(m => m.Key).ShouldBe(["id", "userName", "firstName", "lastName", "email"]);
        DateTimeOffset.Parse((string)request["expiresAt"]!).ShouldBe(DateTimeOffset.Parse((string)request["requestedAt"]!).AddDays(14));
        // The documentation's "<CallbackURL>" is a placeholder, not a URL: nothing is sent, and the record says why.
        var notified = request["notified"]!.AsArray().ShouldHaveSingleItem()!;
        ((bool)notified["delivered"]!).ShouldBeFalse();
        ((string?)notified["reason"] ?? "").ShouldContain("is not an absolute http(s) URL");
    }

    [Fact]
    public async Task An_approved_request_is_installed_and_UEM_is_told_each_status()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);

        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        await NotifiedAsync(vendors, SampleId, "Pending");

        using var anonymous = new HttpClient();
        var callback = CallbackUrl(vendors, SampleId);
        // ServiceNow's script step upper-cases the status; a lower-case one is read the same way.
        (await PostAsync(anonymous, callback, Decision(SampleId, "approved"))).Status.ShouldBe(202);
        var dispatched = await StatusAsync(server, SampleId, "Install Command Dispatched");
        ((string?)dispatched["decidedBy"]).ShouldBe("grace");
        ((string?)dispatched["decision"]!["status"]).ShouldBe("APPROVED");

        var install = vendors.Installs.ShouldHaveSingleItem();
        install.Path.ShouldBe("/API/mam/apps/internal/267/install");
        install.TenantCode.ShouldBe("tenant-code-123");
        install.IdempotencyKey.ShouldBe($"app-approval:{SampleId}:install");
        install.Body!["DeviceId"]!.ToString().ShouldBe("123");
        await NotifiedAsync(vendors, SampleId, "Pending", "Installing");

        // UEM's installed report: event app-installed, correlation id "<DeviceId>:<CatalogItem.Id>".
        (await server.PostJsonAsync("/api/events", new { @event = "app-installed", correlationId = "123:267", payload = new { Status = "Installed" } })).Status.ShouldBe(202);
        var final = await StatusAsync(server, SampleId, "Installed");
        ((string?)final["instanceStatus"]).ShouldBe("finished");
        await NotifiedAsync(vendors, SampleId, "Pending", "Installing", "Installed");
        vendors.Received.Where(r => r.Path.EndsWith("/notify", StringComparison.Ordinal))
            .Select(r => r.IdempotencyKey).ShouldBe([$"app-approval:{SampleId}:Pending", $"app-approval:{SampleId}:Installing", $"app-approval:{SampleId}:Installed"]);
        final["notified"]!.AsArray().Select(n => (bool)n!["delivered"]!).ShouldAllBe(d => d);

        // The same callback again is a replay: refused, and nothing changes.
        (await PostAsync(anonymous, callback, Decision(SampleId, "REJECTED"))).Status.ShouldBe(404);
        ((string?)(await server.GetJsonAsync($"/api/app-approvals/{SampleId}"))["status"]).ShouldBe("Installed");
    }

    [Fact]
    public async Task A_rejected_request_ends_rejected_without_installing_and_UEM_is_told()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        using var anonymous = new HttpClient();
        (await PostAsync(anonymous, CallbackUrl(vendors, SampleId), Decision(SampleId, "REJECTED"))).Status.ShouldBe(202);
        var rejected = await StatusAsync(server, SampleId, "Rejected");
        ((string?)rejected["hubStatus"]).ShouldBe("Rejected");
        await NotifiedAsync(vendors, SampleId, "Pending", "Rejected");
        var told = vendors.Received.Last(r => r.Path.EndsWith("/notify", StringComparison.Ordinal));
        ((string?)told.Body!["Reason"]).ShouldBe("licence available");
        vendors.Installs.ShouldBeEmpty();
    }

    [Fact]
    public async Task A_request_with_no_decision_expires_after_the_configured_14_days()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        server.Clock.Advance(TimeSpan.FromDays(13));
        await Task.Delay(300);
        ((string?)(await server.GetJsonAsync($"/api/app-approvals/{SampleId}"))["status"]).ShouldBe("Pending Approval");
        server.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await StatusAsync(server, SampleId, "Expired");
        await NotifiedAsync(vendors, SampleId, "Pending", "Expired");
        ((string?)vendors.Received.Last().Body!["Reason"]).ShouldBe("no decision within 14 days");
    }

    [Fact]
    public async Task A_request_keeps_the_expiry_it_started_with_when_the_setting_changes()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        (await SubmitAsync(server, Sample(vendors, "REQ-OLD"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-OLD", "Pending Approval");

        // The setting is the flow's "Expire after (days)" input: publish a version with 2 days.
        var flow = JsonNode.Parse(File.ReadAllText(Path.Combine(server.FlowsFolder, "app-approvals", "app-approval.flow.json")))!;
        flow["inputs"]!.AsArray().Single(i => (string?)i!["name"] == "expireAfterDays")!["default"] = 2;
        var put = await server.Client.PutAsync("/api/flows/app-approval?publish=true", new StringContent(flow.ToJsonString(), Encoding.UTF8, "application/json"));
        ((int)put.StatusCode).ShouldBe(201, await put.Content.ReadAsStringAsync());

        (await SubmitAsync(server, Sample(vendors, "REQ-NEW"))).Status.ShouldBe(202);
        var fresh = await StatusAsync(server, "REQ-NEW", "Pending Approval");
        DateTimeOffset.Parse((string)fresh["expiresAt"]!).ShouldBe(DateTimeOffset.Parse((string)fresh["requestedAt"]!).AddDays(2));

        server.Clock.Advance(TimeSpan.FromDays(2) + TimeSpan.FromMinutes(1));
        await StatusAsync(server, "REQ-NEW", "Expired");
        ((string?)(await server.GetJsonAsync("/api/app-approvals/REQ-OLD"))["status"]).ShouldBe("Pending Approval");
        server.Clock.Advance(TimeSpan.FromDays(12));
        await StatusAsync(server, "REQ-OLD", "Expired");
    }

    [Fact]
    public async Task A_decision_that_does_not_match_the_request_is_refused_and_changes_nothing()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        using var anonymous = new HttpClient();
        var callback = CallbackUrl(vendors, SampleId);

        var otherRequest = await PostAsync(anonymous, callback, Decision("5c0ffee0-0000-4000-8000-000000000000", "APPROVED"));
        otherRequest.Status.ShouldBe(422);
        otherRequest.Body!["errors"]!.AsArray().Select(e => (string?)e!["path"]).ShouldBe(["$.request_id"]);
        var otherDevice = await PostAsync(anonymous, callback, Decision(SampleId, "APPROVED", deviceId: "124"));
        otherDevice.Status.ShouldBe(422);
        otherDevice.Body!["errors"]!.AsArray().Select(e => (string?)e!["path"]).ShouldBe(["$.device_id"]);
        var unknownStatus = await PostAsync(anonymous, callback, Decision(SampleId, "MAYBE"));
        unknownStatus.Status.ShouldBe(422);
        ((string?)unknownStatus.Body!["detail"] ?? "").ShouldContain("$.approval_status 'MAYBE' is not one of APPROVED, REJECTED");
        var noStatus = await PostAsync(anonymous, callback, """{ "request_id": "bffb4469-56fb-4141-9ab0-0897f65143ba", "device_id": "123" }""");
        noStatus.Status.ShouldBe(422);

        var unchanged = await server.GetJsonAsync($"/api/app-approvals/{SampleId}");
        ((string?)unchanged["status"]).ShouldBe("Pending Approval");
        ((string?)unchanged["instanceStatus"]).ShouldBe("suspended");
        vendors.Installs.ShouldBeEmpty();

        // The right decision still gets through afterwards (the device id may come as a number).
        var right = new JsonObject { ["request_id"] = SampleId, ["device_id"] = 123, ["approval_status"] = "Approved", ["updated_by"] = "grace" };
        (await PostAsync(anonymous, callback, right.ToJsonString())).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Install Command Dispatched");
    }

    [Fact]
    public async Task A_repeated_request_answers_the_first_ones_status_and_starts_nothing()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        var (status, first) = await SubmitAsync(server, Sample(vendors));
        status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");

        var (again, answer) = await SubmitAsync(server, Sample(vendors));
        again.ShouldBe(200, answer?.ToJsonString());
        ((bool)answer!["duplicate"]!).ShouldBeTrue();
        ((string?)answer["status"]).ShouldBe("Pending Approval");
        ((string?)answer["instanceId"]).ShouldBe((string?)first!["instanceId"]);

        vendors.Submissions.Count.ShouldBe(1);
        var instances = await server.GetJsonAsync($"/api/instances?flowId=app-approval&correlationId={SampleId}");
        instances.AsArray().Count.ShouldBe(1);

        // Still one request once it has moved on: the repeat reports the current status.
        using var anonymous = new HttpClient();
        (await PostAsync(anonymous, CallbackUrl(vendors, SampleId), Decision(SampleId, "REJECTED"))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Rejected");
        var (late, lateAnswer) = await SubmitAsync(server, Sample(vendors));
        late.ShouldBe(200);
        ((string?)lateAnswer!["status"]).ShouldBe("Rejected");
        vendors.Submissions.Count.ShouldBe(1);
    }

    [Fact]
    public async Task A_three_second_ServiceNow_outage_is_survived()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        vendors.Clock = server.Clock;
        vendors.ServiceNowOutage(TimeSpan.FromSeconds(3));

        var submit = SubmitAsync(server, Sample(vendors));
        var pending = await WhileTimePassesAsync(server, SampleId, "Pending Approval");
        (await submit).Status.ShouldBeOneOf(200, 202);
        pending["fault"].ShouldBeNull();
        (server.Clock.GetUtcNow() - vendors.OutageStartedAt!.Value).ShouldBeGreaterThanOrEqualTo(TimeSpan.FromSeconds(3));

        var attempts = vendors.Submissions;
        attempts.Count.ShouldBeGreaterThan(1);
        attempts.Select(a => a.IdempotencyKey).Distinct().ShouldBe([$"app-approval:{SampleId}:submit"]);
        await NotifiedAsync(vendors, SampleId, "Pending");
    }

    [Fact]
    public async Task ServiceNow_down_past_the_configured_time_ends_in_Error_and_says_why()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        vendors.ServiceNowStatus = 503;
        // The give-up time is the ServiceNow connector's http.giveUpAfter: 2 s here instead of a minute.
        var flows = TestServer.Temp("flows");
        TestServer.CopyDirectory(Path.Combine(Repo.Root, "flows"), flows);
        var manifestPath = Path.Combine(flows, "servicenow", "connector.json");
        var manifest = JsonNode.Parse(File.ReadAllText(manifestPath))!;
        manifest["http"]!["giveUpAfter"] = "00:00:02";
        File.WriteAllText(manifestPath, manifest.ToJsonString());
        await using var server = await StartAsync(vendors, flows: flows);

        var submit = SubmitAsync(server, Sample(vendors));
        var failed = await WhileTimePassesAsync(server, SampleId, "Error");
        (await submit).Status.ShouldBeOneOf(200, 202);
        ((string?)failed["fault"]).ShouldBe("submitting to ServiceNow failed: servicenow/submitAppApproval faulted: ServiceNow answered HTTP 503: Instance is hibernating");
        vendors.Submissions.Count.ShouldBeGreaterThan(1);
        await NotifiedAsync(vendors, SampleId, "Error");
        ((string?)vendors.Received.Last().Body!["Reason"] ?? "").ShouldContain("HTTP 503");
    }

    [Fact]
    public async Task A_pending_request_survives_a_server_restart()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        var server = await StartAsync(vendors);
        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        var callback = CallbackUrl(vendors, SampleId);
        await server.StopAsync();

        await using var restarted = await TestServer.StartAsync(null, server.DataFolder, server.FlowsFolder, server.Clock);
        var newCallback = callback.Replace(server.Address.ToString().TrimEnd('/'), restarted.Address.ToString().TrimEnd('/'));
        using var anonymous = new HttpClient();
        // The decision is still checked against the request after the restart.
        (await PostAsync(anonymous, newCallback, Decision(SampleId, "APPROVED", deviceId: "999"))).Status.ShouldBe(422);
        (await PostAsync(anonymous, newCallback, Decision(SampleId, "APPROVED"))).Status.ShouldBe(202);
        await StatusAsync(restarted, SampleId, "Install Command Dispatched");
        await NotifiedAsync(vendors, SampleId, "Pending", "Installing");
        // ... and a repeat of the request after the restart is still the same request.
        var (again, answer) = await SubmitAsync(restarted, Sample(vendors));
        again.ShouldBe(200);
        ((string?)answer!["status"]).ShouldBe("Install Command Dispatched");
        vendors.Submissions.Count.ShouldBe(1);
    }

    [Theory]
    [InlineData("$.CatalogItem.Id")]
    [InlineData("$.DeviceId")]
    [InlineData("$.RequestId")]
    [InlineData("$.RequestFor.UserId")]
    public async Task A_request_missing_a_field_the_flow_needs_is_refused_with_422_naming_it(string field)
    {
        var (vendors, server) = (refusals.Vendors, refusals.Server);
        var request = JsonNode.Parse(Sample(vendors))!;
        var segments = field[2..].Split('.');
        var parent = segments[..^1].Aggregate(request, (node, segment) => node[segment]!);
        parent.AsObject().Remove(segments[^1]);

        var (status, problem) = await SubmitAsync(server, request.ToJsonString());
        status.ShouldBe(422, problem?.ToJsonString());
        problem!["errors"]!.AsArray().Select(e => (string?)e!["path"]).ShouldBe([field]);
        vendors.Submissions.ShouldBeEmpty();
        (await server.Client.GetAsync("/api/app-approvals?take=10")).IsSuccessStatusCode.ShouldBeTrue();
        ((int)(await server.GetJsonAsync("/api/app-approvals"))["total"]!).ShouldBe(0);
    }

    [Fact]
    public async Task An_id_that_is_not_a_number_is_refused_with_422_naming_it()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        var request = JsonNode.Parse(Sample(vendors))!;
        request["DeviceId"] = "undefined";
        var (status, problem) = await SubmitAsync(server, request.ToJsonString());
        status.ShouldBe(422);
        ((string?)problem!["detail"] ?? "").ShouldContain("$.DeviceId must be a numeric id");
        vendors.Submissions.ShouldBeEmpty();
        // Refused, not accepted: the corrected request is a new one, not a duplicate of the refused one.
        var (fixedStatus, _) = await SubmitAsync(server, Sample(vendors));
        fixedStatus.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
    }

    [Theory]
    [InlineData("windows")]
    [InlineData("android")]
    public async Task Platform_variants_of_the_request_are_read_with_ids_as_strings_or_numbers(string variant)
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        var request = JsonNode.Parse(Sample(vendors, $"REQ-{variant}"))!;
        string deviceId, appId;
        if (variant == "windows")
        {
            // Ids as strings and numbers the other way round from the sample.
            request["DeviceId"] = "9001";
            request["CatalogItem"]!["Id"] = 42;
            request["DeviceProperties"]!["platform"] = "Windows 11";
            request["CatalogItem"]!["Properties"] = new JsonObject { ["package_id"] = "{0E4A1B22-5A8E-4C1D-9E5B-3B1A2F3C4D5E}", ["version"] = "24.1.0", ["platform"] = "WinRT" };
            (deviceId, appId) = ("9001", "42");
        }
        else
        {
            request["RequestFor"]!["UserId"] = 77;
            request["DeviceId"] = 5614;
            request["CatalogItem"]!["Id"] = "318";
            request["DeviceProperties"] = new JsonObject { ["name"] = "Pixel 8", ["device_udid"] = "a1b2c3d4e5f60718", ["platform"] = "Android" };
            request["CatalogItem"]!["Properties"] = new JsonObject { ["package_id"] = "com.example.expenses", ["version"] = "4.2.0", ["platform"] = "Android" };
            (deviceId, appId) = ("5614", "318");
        }
        var requestId = $"REQ-{variant}";
        (await SubmitAsync(server, request.ToJsonString())).Status.ShouldBe(202);
        var pending = await StatusAsync(server, requestId, "Pending Approval");
        ((string?)pending["device"]!["id"]).ShouldBe(deviceId);
        ((string?)pending["app"]!["id"]).ShouldBe(appId);
        ((string?)pending["app"]!["platform"]).ShouldBe((string?)request["CatalogItem"]!["Properties"]!["platform"]);
        var sent = vendors.Submissions.ShouldHaveSingleItem().Body!;
        ((string?)sent["package_id"]).ShouldBe((string?)request["CatalogItem"]!["Properties"]!["package_id"]);

        using var anonymous = new HttpClient();
        (await PostAsync(anonymous, CallbackUrl(vendors, requestId), Decision(requestId, "APPROVED", deviceId))).Status.ShouldBe(202);
        await StatusAsync(server, requestId, "Install Command Dispatched");
        vendors.Installs.ShouldHaveSingleItem().Path.ShouldBe($"/API/mam/apps/internal/{appId}/install");
        (await server.PostJsonAsync("/api/events", new { @event = "app-installed", correlationId = $"{deviceId}:{appId}", payload = new { } })).Status.ShouldBe(202);
        await StatusAsync(server, requestId, "Installed");
    }

    [Fact]
    public async Task The_list_shows_requests_filtered_and_paged()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        foreach (var id in new[] { "REQ-A", "REQ-B", "REQ-C" })
        {
            (await SubmitAsync(server, Sample(vendors, id))).Status.ShouldBe(202);
            await StatusAsync(server, id, "Pending Approval");
            server.Clock.Advance(TimeSpan.FromMinutes(1)); // newest first: each request a minute after the last
        }
        using var anonymous = new HttpClient();
        (await PostAsync(anonymous, CallbackUrl(vendors, "REQ-B"), Decision("REQ-B", "REJECTED"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-B", "Rejected");

        var all = await server.GetJsonAsync("/api/app-approvals");
        ((int)all["total"]!).ShouldBe(3);
        var item = all["items"]!.AsArray().Single(i => (string?)i!["requestId"] == "REQ-A")!;
        ((string?)item["device"]!["id"]).ShouldBe("123");
        ((string?)item["app"]!["name"]).ShouldBe("App Name");
        ((string?)item["user"]!["id"]).ShouldBe("15");
        item["requestedAt"].ShouldNotBeNull();
        item["expiresAt"].ShouldNotBeNull();
        // Times and who decided are text, as the document says, whatever the editable flow stored them as.
        foreach (var member in new[] { "requestedAt", "expiresAt" })
            item[member]!.GetValueKind().ShouldBe(System.Text.Json.JsonValueKind.String, member);
        DateTimeOffset.Parse((string)item["requestedAt"]!, System.Globalization.CultureInfo.InvariantCulture).ShouldBeGreaterThan(DateTimeOffset.UnixEpoch);

        var pending = await server.GetJsonAsync("/api/app-approvals?status=Pending");
        pending["items"]!.AsArray().Select(i => (string?)i!["requestId"]).ShouldBe(["REQ-C", "REQ-A"]);
        var rejected = await server.GetJsonAsync("/api/app-approvals?status=rejected");
        rejected["items"]!.AsArray().Select(i => (string?)i!["requestId"]).ShouldBe(["REQ-B"]);
        ((string?)rejected["items"]![0]!["decidedBy"]).ShouldBe("grace");
        rejected["items"]![0]!["decidedAt"]!.GetValueKind().ShouldBe(System.Text.Json.JsonValueKind.String);

        var page = await server.GetJsonAsync("/api/app-approvals?take=1&skip=1");
        ((int)page["total"]!).ShouldBe(3);
        page["items"]!.AsArray().Select(i => (string?)i!["requestId"]).ShouldBe(["REQ-B"]);
        ((int)(await server.GetJsonAsync("/api/app-approvals?deviceId=123&appId=267&user=username"))["total"]!).ShouldBe(3);
        ((int)(await server.GetJsonAsync("/api/app-approvals?deviceId=124"))["total"]!).ShouldBe(0);

        var bad = await server.Client.GetAsync("/api/app-approvals?status=Maybe");
        ((int)bad.StatusCode).ShouldBe(422);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("\"path\":\"status\"");
        ((int)(await server.Client.GetAsync("/api/app-approvals?take=0")).StatusCode).ShouldBe(422);
        ((int)(await server.Client.GetAsync("/api/app-approvals/REQ-UNKNOWN")).StatusCode).ShouldBe(404);
    }

    [Fact]
    public async Task Unknown_and_malformed_callbacks_are_refused_without_state()
    {
        await using var vendors = await ApprovalVendors.StartAsync();
        await using var server = await StartAsync(vendors);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        (await PostAsync(anonymous, "/callbacks/not-a-token", "{}")).Status.ShouldBe(404);
        (await PostAsync(anonymous, "/callbacks/0123456789abcdef0123456789abcdef.xyz", "{}")).Status.ShouldBe(404);
        (await SubmitAsync(server, Sample(vendors))).Status.ShouldBe(202);
        await StatusAsync(server, SampleId, "Pending Approval");
        var malformed = await anonymous.PostAsync(new Uri(CallbackUrl(vendors, SampleId)).PathAndQuery,
            new StringContent("{ not json", Encoding.UTF8, "application/json"));
        ((int)malformed.StatusCode).ShouldBe(400);
        (await malformed.Content.ReadAsStringAsync()).ShouldContain("not valid JSON");
        ((string?)(await server.GetJsonAsync($"/api/app-approvals/{SampleId}"))["status"]).ShouldBe("Pending Approval");
    }

    [Fact]
    public async Task A_connection_base_URL_must_be_an_absolute_http_URL()
    {
        await using var server = await TestServer.StartAsync();
        var (status, problem) = await server.PostJsonAsync("/api/connections", new
        {
            connector = "servicenow", name = "ServiceNow", values = new { instance = "dev1", username = "u", password = "p", baseUrl = "servicenow.internal:8443" },
        });
        status.ShouldBe(422, problem?.ToJsonString());
        problem!.ToJsonString().ShouldContain("baseUrl");
    }

    /// <summary>A server and vendor stub for the refusals: each leaves both as it found them (nothing submitted, nothing stored).</summary>
    public sealed class RefusalServer : IAsyncLifetime
    {
        internal ApprovalVendors Vendors { get; private set; } = null!;
        internal TestServer Server { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            Vendors = await ApprovalVendors.StartAsync();
            Server = await StartAsync(Vendors);
        }

        public async Task DisposeAsync()
        {
            await Server.DisposeAsync();
            await Vendors.DisposeAsync();
        }
    }
}
