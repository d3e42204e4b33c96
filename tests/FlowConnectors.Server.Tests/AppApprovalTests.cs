using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

public sealed class AppApprovalTests
{
    private static object Request(string requestId) => new
    {
        RequestId = requestId,
        RequestFor = new { UserId = "u-1001", UserName = "ada", Email = "ada@example.com", Department = "Engineering" },
        DeviceId = 5614,
        DeviceProperties = new { Platform = "Apple", Model = "iPhone 15", OsVersion = "18.1" },
        CatalogItem = new { ApplicationId = 318, PackageId = "com.example.expenses", Version = "4.2.0", Name = "Expenses" },
        Notes = "needed for travel claims",
        DueDate = "2026-11-30",
        Links = new { ApprovalNotify = new { Url = "https://uem.example/approval/notify" } },
    };

    private static async Task<TestServer> StartWithConnectionsAsync(VendorStub vendor, string? data = null, string? flows = null)
    {
        var server = await TestServer.StartAsync(vendor.Address, data, flows);
        (await server.PostJsonAsync("/api/connections", new { id = "servicenow", connector = "servicenow", name = "ServiceNow", values = new { instance = "dev1", username = "flow.bot", password = "sn-secret-pass" } })).Status.ShouldBe(201);
        (await server.PostJsonAsync("/api/connections", new { id = "uem", connector = "workspace-one-uem", name = "UEM", values = new { hostname = "uem.example", username = "api.user", password = "uem-secret-pass", tenantCode = "tenant-code-123" } })).Status.ShouldBe(201);
        return server;
    }

    private static Task<JsonNode> StatusAsync(TestServer server, string requestId, string expected) =>
        TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/app-approvals/{requestId}"), s => (string?)s["status"] == expected, $"status {expected}");

    private static string CallbackUrl(VendorStub vendor) =>
        (string)vendor.Received.Single(r => r.Path.EndsWith("/appapproval/request", StringComparison.Ordinal)).Body!["callback_url"]!;

    private static object Decision(string requestId, string status) => new
    {
        request_id = requestId, device_id = "5614", approval_status = status, updated_by = "grace", notes = "ok", updated_at = "2026-11-03 10:00:00",
    };

    [Fact]
    public async Task An_approved_request_is_installed_and_reported_installed()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await StartWithConnectionsAsync(vendor);

        var (status, body) = await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-1"));
        status.ShouldBe(202, body?.ToJsonString());
        await StatusAsync(server, "REQ-1", "Pending Approval");

        var submitted = vendor.Received.Single(r => r.Path == "/api/x_flow/appapproval/request");
        submitted.Method.ShouldBe("POST");
        submitted.Authorization.ShouldStartWith("Basic ");
        submitted.Body!["request_id"]!.GetValue<string>().ShouldBe("REQ-1");
        submitted.Body["device_id"]!.GetValue<string>().ShouldBe("5614");
        var callback = CallbackUrl(vendor);
        callback.ShouldStartWith(server.Address.ToString().TrimEnd('/') + "/callbacks/");

        using var anonymous = new HttpClient();
        var accepted = await anonymous.PostAsync(callback, JsonContent(Decision("REQ-1", "APPROVED")));
        ((int)accepted.StatusCode).ShouldBe(202);
        await StatusAsync(server, "REQ-1", "Install Command Dispatched");
        var install = vendor.Received.Single(r => r.Path.Contains("/install", StringComparison.Ordinal));
        install.Path.ShouldBe("/API/mam/apps/internal/318/install");
        install.TenantCode.ShouldBe("tenant-code-123");
        install.Body!["DeviceId"]!.ToString().ShouldBe("5614");

        (await server.PostJsonAsync("/api/events", new { @event = "app-installed", correlationId = "5614:318", payload = new { Status = "Installed" } })).Status.ShouldBe(202);
        var final = await StatusAsync(server, "REQ-1", "Installed");
        ((string?)final["instanceStatus"]).ShouldBe("finished");

        // The same callback again is a replay: refused, and nothing changes.
        var replay = await anonymous.PostAsync(callback, JsonContent(Decision("REQ-1", "REJECTED")));
        ((int)replay.StatusCode).ShouldBe(404);
        ((string?)(await server.GetJsonAsync("/api/app-approvals/REQ-1"))["status"]).ShouldBe("Installed");
    }

    [Fact]
    public async Task A_rejected_request_ends_rejected_without_installing()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await StartWithConnectionsAsync(vendor);
        (await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-2"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-2", "Pending Approval");
        using var anonymous = new HttpClient();
        ((int)(await anonymous.PostAsync(CallbackUrl(vendor), JsonContent(Decision("REQ-2", "REJECTED")))).StatusCode).ShouldBe(202);
        await StatusAsync(server, "REQ-2", "Rejected");
        vendor.Received.ShouldNotContain(r => r.Path.Contains("/install", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_request_with_no_answer_for_14_days_expires()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await StartWithConnectionsAsync(vendor);
        (await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-3"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-3", "Pending Approval");
        server.Clock.Advance(TimeSpan.FromDays(13));
        await Task.Delay(300);
        ((string?)(await server.GetJsonAsync("/api/app-approvals/REQ-3"))["status"]).ShouldBe("Pending Approval");
        server.Clock.Advance(TimeSpan.FromDays(1) + TimeSpan.FromMinutes(1));
        await StatusAsync(server, "REQ-3", "Expired");
    }

    [Fact]
    public async Task A_failure_at_ServiceNow_ends_in_error()
    {
        await using var vendor = await VendorStub.StartAsync();
        vendor.ServiceNowStatus = 500;
        await using var server = await StartWithConnectionsAsync(vendor);
        (await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-4"))).Status.ShouldBeOneOf(200, 202);
        await StatusAsync(server, "REQ-4", "Error");
    }

    [Fact]
    public async Task A_suspended_request_survives_a_server_restart()
    {
        await using var vendor = await VendorStub.StartAsync();
        var server = await StartWithConnectionsAsync(vendor);
        (await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-5"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-5", "Pending Approval");
        var callback = CallbackUrl(vendor);
        await server.StopAsync();

        await using var restarted = await TestServer.StartAsync(vendor.Address, server.DataFolder, server.FlowsFolder, server.Clock);
        var newCallback = callback.Replace(server.Address.ToString().TrimEnd('/'), restarted.Address.ToString().TrimEnd('/'));
        using var anonymous = new HttpClient();
        ((int)(await anonymous.PostAsync(newCallback, JsonContent(Decision("REQ-5", "APPROVED")))).StatusCode).ShouldBe(202);
        await StatusAsync(restarted, "REQ-5", "Install Command Dispatched");
    }

    [Fact]
    public async Task Unknown_and_malformed_callbacks_are_refused_without_state()
    {
        await using var vendor = await VendorStub.StartAsync();
        await using var server = await StartWithConnectionsAsync(vendor);
        using var anonymous = new HttpClient { BaseAddress = server.Address };
        ((int)(await anonymous.PostAsync("/callbacks/not-a-token", JsonContent(new { }))).StatusCode).ShouldBe(404);
        ((int)(await anonymous.PostAsync("/callbacks/0123456789abcdef0123456789abcdef.xyz", JsonContent(new { }))).StatusCode).ShouldBe(404);
        (await server.PostJsonAsync("/hooks/app-approvals/requests", Request("REQ-6"))).Status.ShouldBe(202);
        await StatusAsync(server, "REQ-6", "Pending Approval");
        var malformed = await anonymous.PostAsync(new Uri(CallbackUrl(vendor)).PathAndQuery,
            new StringContent("{ not json", System.Text.Encoding.UTF8, "application/json"));
        ((int)malformed.StatusCode).ShouldBe(400);
        (await malformed.Content.ReadAsStringAsync()).ShouldContain("not valid JSON");
        ((string?)(await server.GetJsonAsync("/api/app-approvals/REQ-6"))["status"]).ShouldBe("Pending Approval");
    }

    private static StringContent JsonContent(object value) =>
        new(System.Text.Json.JsonSerializer.Serialize(value), System.Text.Encoding.UTF8, "application/json");
}
