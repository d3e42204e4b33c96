using System.Text;
using System.Text.Json.Nodes;

namespace FlowConnectors.Reliability.Tests;

/// <summary>Credentials never follow a redirect to another origin, and connector calls do not follow redirects at all.</summary>
/// <remarks>
/// One server for both specs (a start costs about 4.5 s of CPU), over the call flow and the servicenow connector; each
/// spec has vendor stubs of its own, so what one spec's stubs receive is only that spec's traffic.
/// </remarks>
public sealed class RedirectSpecs(RedirectSpecs.RedirectServer fixture) : IClassFixture<RedirectSpecs.RedirectServer>
{
    [Fact]
    public async Task An_api_key_in_a_custom_header_never_reaches_another_origin()
    {
        var (server, api, elsewhere) = (fixture.Server, fixture.HeaderApi, fixture.HeaderElsewhere);
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
        var (server, api, elsewhere) = (fixture.Server, fixture.ConnectorApi, fixture.ConnectorElsewhere);
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

    /// <summary>
    /// The server (the call flow; the servicenow connector with its base URL at <see cref="ConnectorApi"/>) and the stubs:
    /// <see cref="HeaderApi"/> answers the status its path names with a Location at <see cref="HeaderElsewhere"/>;
    /// <see cref="ConnectorApi"/> answers every request 307 with a Location at <see cref="ConnectorElsewhere"/>.
    /// </summary>
    public sealed class RedirectServer : IAsyncLifetime
    {
        internal ServerProcess Server { get; private set; } = null!;
        internal Stub HeaderApi { get; private set; } = null!;
        internal Stub HeaderElsewhere { get; private set; } = null!;
        internal Stub ConnectorApi { get; private set; } = null!;
        internal Stub ConnectorElsewhere { get; private set; } = null!;

        public async Task InitializeAsync()
        {
            var headerElsewhere = HeaderElsewhere = await Stub.StartAsync();
            HeaderApi = await Stub.StartAsync(context =>
            {
                context.Response.StatusCode = int.Parse(context.Request.Path.Value!.Trim('/'), System.Globalization.CultureInfo.InvariantCulture);
                context.Response.Headers.Location = headerElsewhere.Url("collect");
                return Task.CompletedTask;
            });
            var connectorElsewhere = ConnectorElsewhere = await Stub.StartAsync();
            ConnectorApi = await Stub.StartAsync(context =>
            {
                context.Response.StatusCode = 307;
                context.Response.Headers.Location = connectorElsewhere.Url("collect");
                return Task.CompletedTask;
            });
            var flows = Specs.FlowsWith("call", Specs.CallFlow);
            CopyConnector("servicenow", flows, ConnectorApi.Address);
            Server = await ServerProcess.StartAsync(flows);
        }

        public async Task DisposeAsync()
        {
            if (Server is not null) await Server.DisposeAsync();
            foreach (var stub in new[] { HeaderApi, HeaderElsewhere, ConnectorApi, ConnectorElsewhere })
                if (stub is not null) await stub.DisposeAsync();
        }
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
