using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Reliability.Tests;

/// <summary>Credentials never follow a redirect to another origin, and connector calls do not follow redirects at all.</summary>
public sealed class RedirectSpecs
{
    [Fact]
    public async Task An_api_key_in_a_custom_header_never_reaches_another_origin()
    {
        await using var elsewhere = await Stub.StartAsync();
        await using var api = await Stub.StartAsync(context =>
        {
            context.Response.StatusCode = int.Parse(context.Request.Path.Value!.Trim('/'), System.Globalization.CultureInfo.InvariantCulture);
            context.Response.Headers.Location = elsewhere.Url("collect");
            return Task.CompletedTask;
        });
        await using var server = await ServerProcess.StartAsync(Specs.FlowsWith("call", Specs.CallFlow));
        foreach (var status in new[] { 301, 302, 303, 307, 308 })
        {
            var run = await Specs.RunAsync(server, "call", new
            {
                url = api.Url(status.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                headers = new Dictionary<string, string> { ["X-Vendor-Key"] = "canary-api-key", ["Authorization"] = "Bearer canary-token" },
            });
            ((string?)run["status"]).ShouldBe("finished", run.ToJsonString());
        }
        api.Received.Count.ShouldBe(5);
        api.Received.ShouldAllBe(r => r.Headers["X-Vendor-Key"] == "canary-api-key");
        elsewhere.Received.Count.ShouldBe(5);
        foreach (var request in elsewhere.Received)
        {
            request.Headers.ShouldNotContainKey("X-Vendor-Key");
            request.Headers.ShouldNotContainKey("Authorization");
        }
    }

    [Fact]
    public async Task A_connector_call_does_not_follow_a_redirect_with_the_connections_credentials()
    {
        await using var elsewhere = await Stub.StartAsync();
        await using var api = await Stub.StartAsync(context =>
        {
            context.Response.StatusCode = 307;
            context.Response.Headers.Location = elsewhere.Url("collect");
            return Task.CompletedTask;
        });
        var flows = Temp.Folder("flows");
        CopyConnector("servicenow", flows, api.Address);
        await using var server = await ServerProcess.StartAsync(flows);
        using var created = await server.Client.PostAsync("api/connections", new StringContent(
            """{ "id": "sn", "connector": "servicenow", "values": { "instance": "dev1", "username": "admin", "password": "S3CR3T-canary" } }""", Encoding.UTF8, "application/json"));
        ((int)created.StatusCode).ShouldBe(201, await created.Content.ReadAsStringAsync());

        using var test = await server.Client.PostAsync("api/connections/sn/test", new StringContent("{}", Encoding.UTF8, "application/json"));
        var result = JsonNode.Parse(await test.Content.ReadAsStringAsync())!;
        result["ok"]!.GetValue<bool>().ShouldBeFalse();
        api.Received.ShouldNotBeEmpty();
        api.Received.ShouldAllBe(r => r.Headers["Authorization"].StartsWith("Basic ", StringComparison.Ordinal));
        elsewhere.Received.ShouldBeEmpty();
    }

    /// <summary>A sample connector from the repository with its base URL pointed at a stub.</summary>
    internal static void CopyConnector(string key, string flows, Uri baseUrl)
    {
        var source = Path.Combine(Repo.Root, "flows", key);
        var target = Path.Combine(flows, key);
        foreach (var directory in Directory.GetDirectories(source, "*", SearchOption.AllDirectories))
            Directory.CreateDirectory(directory.Replace(source, target, StringComparison.Ordinal));
        Directory.CreateDirectory(target);
        foreach (var file in Directory.GetFiles(source, "*", SearchOption.AllDirectories))
            File.Copy(file, file.Replace(source, target, StringComparison.Ordinal), overwrite: true);
        var manifest = Path.Combine(target, "connector.json");
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        json["baseUrl"] = baseUrl.ToString().TrimEnd('/');
        File.WriteAllText(manifest, json.ToJsonString());
    }
}
