using System.Net;
using System.Text;

namespace FlowConnectors.Reliability.Tests;

/// <summary>The harness itself: a server process that answers, dies on kill -9 and comes back on its data.</summary>
public sealed class ServerProcessSpecs
{
    private const string HelloFlow = """
        {
          "format": 1,
          "id": "hello",
          "inputs": [ { "name": "who", "type": "string" } ],
          "outputs": [ { "name": "greeting", "type": "string" } ],
          "nodes": [
            { "id": "greet", "type": "SetOutput", "inputs": { "name": "greeting", "value": { "js": "'Hello ' + input.who" } } }
          ],
          "connections": []
        }
        """;

    [Fact]
    public async Task A_killed_server_starts_again_on_its_data_and_keeps_its_runs()
    {
        var flows = Temp.Folder("flows");
        await File.WriteAllTextAsync(Path.Combine(flows, "hello.flow.json"), HelloFlow);
        await using var server = await ServerProcess.StartAsync(flows);

        using var run = await server.Client.PostAsync("api/flows/hello/run",
            new StringContent("""{"inputs":{"who":"Ada"}}""", Encoding.UTF8, "application/json"));
        var body = await run.Content.ReadAsStringAsync();
        run.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        body.ShouldContain("Hello Ada");

        server.Kill();
        server.HasExited.ShouldBeTrue();
        await server.StartAgainAsync();

        var finished = await server.GetJsonAsync("api/instances?status=finished");
        finished.ToJsonString().ShouldContain("hello");
    }
}
