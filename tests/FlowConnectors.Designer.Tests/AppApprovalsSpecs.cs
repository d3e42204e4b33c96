using System.Runtime.CompilerServices;
using System.Text;
using Microsoft.Playwright;

namespace FlowConnectors.Designer.Tests;

/// <summary>The App approvals workspace in a real browser: the requests list, its status filter, and why a request is in Error.</summary>
public sealed class AppApprovalsSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public async Task The_list_shows_each_request_with_its_status_and_why_it_failed()
    {
        // The repository's app-approval flow, with no ServiceNow connection on this server: the request
        // is received, its submission fails, and it ends in Error with the reason.
        await FlowPage.SaveFlowAsync(fixture, await File.ReadAllTextAsync(Path.Combine(Root(), "flows", "app-approvals", "app-approval.flow.json")));
        var request = """
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
        using (var response = await fixture.Client.PostAsync("/hooks/app-approvals/requests", new StringContent(request, Encoding.UTF8, "application/json")))
            response.IsSuccessStatusCode.ShouldBeTrue(await response.Content.ReadAsStringAsync());

        await WithPage(async page =>
        {
            var row = page.GetByTestId("approval-bffb4469-56fb-4141-9ab0-0897f65143ba");
            await Assertions.Expect(row.GetByTestId("approval-status")).ToHaveTextAsync("Error");
            await Assertions.Expect(row.GetByTestId("approval-reason")).ToContainTextAsync("submitting to ServiceNow failed");
            await Assertions.Expect(row).ToContainTextAsync("Device Name #123");
            await Assertions.Expect(row).ToContainTextAsync("App Name 9.20.0 (WinRT)");
            await Assertions.Expect(row).ToContainTextAsync("name user");
            await Assertions.Expect(page.GetByTestId("approvals-page")).ToHaveTextAsync("1–1 of 1");

            await page.GetByTestId("approvals-status").SelectOptionAsync("Pending Approval");
            await page.GetByTestId("approvals-apply").ClickAsync();
            await Assertions.Expect(page.GetByTestId("approvals-empty")).ToBeVisibleAsync();
            await Assertions.Expect(row).ToHaveCountAsync(0);
        });
    }

    private static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found");
    }

    private Task WithPage(Func<IPage, Task> test, [CallerMemberName] string name = "") => FlowPage.WithPageAsync(fixture, test, width: 1500, hash: "#/approvals",
        signIn: async page =>
        {
            await FlowPage.SignInWithApiKeyAsync(page);
            await Assertions.Expect(page.GetByTestId("approvals-table")).ToBeVisibleAsync();
        }, name: name);
}
