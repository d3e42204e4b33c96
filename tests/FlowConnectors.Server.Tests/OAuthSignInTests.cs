using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Server.Tests;

public sealed class OAuthSignInTests
{
    [Fact]
    public async Task Authorization_code_sign_in_stores_the_tokens_on_the_connection()
    {
        var received = new ConcurrentQueue<string>();
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var provider = builder.Build();
        provider.MapPost("/oauth/token", async (HttpRequest request) =>
        {
            received.Enqueue(await new StreamReader(request.Body).ReadToEndAsync());
            return Results.Json(new { access_token = "access-token-123", refresh_token = "refresh-token-456", expires_in = 3600, token_type = "Bearer" });
        });
        await provider.StartAsync();
        var providerUrl = provider.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();

        var flows = TestServer.Temp("flows");
        var folder = Directory.CreateDirectory(Path.Combine(flows, "acme", "flows")).Parent!.FullName;
        File.WriteAllText(Path.Combine(folder, "connector.json"), $$"""
            { "key": "acme", "name": "Acme", "version": "1.0.0", "baseUrl": "{{providerUrl}}/api",
              "auth": { "kind": "oauth2AuthorizationCode", "authorizeUrl": "https://login.acme.example/authorize", "tokenUrl": "{{providerUrl}}/oauth/token",
                        "scope": "read write", "clientIdParameter": "clientId", "clientSecretParameter": "clientSecret" },
              "connectionParameters": [ { "name": "clientId", "type": "text", "required": true }, { "name": "clientSecret", "type": "password", "required": true } ] }
            """);
        File.Copy(Path.Combine(Repo.Root, "flows", "servicenow", "flows", "httpHelper.flow.json"), Path.Combine(folder, "flows", "httpHelper.flow.json"));
        File.WriteAllText(Path.Combine(folder, "flows", "_authping.flow.json"), """{ "format": 1, "id": "_authping", "nodes": [ { "id": "ok", "type": "NoOp" } ], "connections": [] }""");

        await using var server = await TestServer.StartAsync(flowsFolder: flows);
        (await server.PostJsonAsync("/api/connections", new { id = "acme1", connector = "acme", values = new { clientId = "client-1", clientSecret = "client-secret-789" } })).Status.ShouldBe(201);
        var (status, body) = await server.PostJsonAsync("/api/connections/acme1/authorize", new { });
        status.ShouldBe(200, body?.ToJsonString());
        var authorize = new Uri((string)body!["authorizeUrl"]!);
        authorize.GetLeftPart(UriPartial.Path).ShouldBe("https://login.acme.example/authorize");
        var query = HttpUtility.ParseQueryString(authorize.Query);
        query["client_id"].ShouldBe("client-1");
        query["response_type"].ShouldBe("code");
        query["redirect_uri"].ShouldBe(server.Address.ToString().TrimEnd('/') + "/oauth/callback");

        using var browser = new HttpClient { BaseAddress = server.Address };
        (await browser.GetAsync($"/oauth/callback?code=abc&state=forged")).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
        var callback = await browser.GetAsync($"/oauth/callback?code=the-code&state={Uri.EscapeDataString(query["state"]!)}");
        callback.StatusCode.ShouldBe(System.Net.HttpStatusCode.OK);
        (await callback.Content.ReadAsStringAsync()).ShouldContain("Connected");

        var form = HttpUtility.ParseQueryString(received.Single());
        form["grant_type"].ShouldBe("authorization_code");
        form["code"].ShouldBe("the-code");
        var connection = await server.GetJsonAsync("/api/connections/acme1");
        connection["signedIn"]!.GetValue<bool>().ShouldBeTrue();
        connection.ToJsonString().ShouldNotContain("access-token-123");
        // The same state cannot be used twice.
        (await browser.GetAsync($"/oauth/callback?code=again&state={Uri.EscapeDataString(query["state"]!)}")).StatusCode.ShouldBe(System.Net.HttpStatusCode.BadRequest);
    }
}
