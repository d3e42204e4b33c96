using System.Collections.Concurrent;
using System.Text.Json.Nodes;

namespace FlowConnectors.Server.Tests;

/// <summary>
/// A vendor for callback specs, and the flow "ask" that uses it: the flow tells the vendor its callback URL
/// (<c>POST /ask/&lt;name&gt;</c>), waits for the callback, then calls <c>GET /&lt;name&gt;/&lt;speed&gt;</c> with the callback's
/// <c>speed</c>. A call with speed <c>slow</c> is held until <see cref="Release"/>, so a spec can keep one resume busy.
/// </summary>
internal sealed class AskingVendor : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<string>> _callbacks = new();
    private readonly TaskCompletionSource _slowReached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _release = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private LocalVendor? _vendor;

    /// <summary>Completes when the slow call reaches the vendor.</summary>
    public Task SlowReached => _slowReached.Task;

    /// <summary>Lets the slow call answer.</summary>
    public void Release() => _release.TrySetResult();

    public static async Task<AskingVendor> StartAsync()
    {
        var asking = new AskingVendor();
        asking._vendor = await LocalVendor.StartAsync(async context =>
        {
            var parts = context.Request.Path.Value!.Trim('/').Split('/');
            if (parts[0] == "ask")
            {
                using var reader = new StreamReader(context.Request.Body);
                asking.CallbackOf(parts[1]).TrySetResult((string)JsonNode.Parse(await reader.ReadToEndAsync())!["callback"]!);
            }
            else if (parts[1] == "slow")
            {
                asking._slowReached.TrySetResult();
                // Bounded: a test that fails before it releases the vendor must not leave the server's call waiting for ever.
                await asking._release.Task.WaitAsync(Bounded.Signal);
            }
            context.Response.StatusCode = 204;
        });
        return asking;
    }

    /// <summary>Writes the flow "ask" into <paramref name="flows"/>; its one output is <paramref name="output"/> of <paramref name="type"/>, set by the expression <paramref name="js"/>.</summary>
    public void WriteAskFlow(string flows, string output, string type, string js) =>
        File.WriteAllText(Path.Combine(flows, "ask.flow.json"), $$"""
        { "format": 1, "id": "ask", "inputs": [ { "name": "name", "type": "string" } ], "outputs": [ { "name": "{{output}}", "type": "{{type}}" } ],
          "nodes": [ { "id": "cb", "type": "CreateCallback", "inputs": {} },
                     { "id": "tell", "type": "Http.SendRequest", "inputs": { "method": "POST", "url": { "js": "'{{_vendor!.Url}}/ask/' + input.name" }, "body": { "callback": { "js": "nodes.cb.url" } } } },
                     { "id": "wait", "type": "WaitForCallback", "inputs": { "token": { "js": "nodes.cb.token" } } },
                     { "id": "call", "type": "Http.SendRequest", "inputs": { "method": "GET", "url": { "js": "'{{_vendor.Url}}/' + input.name + '/' + nodes.wait.payload.speed" } } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "{{output}}", "value": { "js": "{{js}}" } } } ],
          "connections": [ { "from": "cb:done", "to": "tell" }, { "from": "tell:2xx", "to": "wait" }, { "from": "wait:received", "to": "call" }, { "from": "call:2xx", "to": "out" } ] }
        """);

    /// <summary>Starts "ask" for <paramref name="name"/> and returns once its instance waits, with the callback URL the vendor was told.</summary>
    public async Task<(string Instance, Uri Callback)> StartAskAsync(TestServer server, string name)
    {
        var (status, started) = await server.PostJsonAsync("/api/flows/ask/run", new { mode = "async", inputs = new { name } });
        status.ShouldBe(202, started?.ToJsonString());
        var callback = new Uri(await CallbackOf(name).Task.WaitAsync(Bounded.Signal));
        await TestServer.EventuallyAsync(() => server.GetJsonAsync($"/api/instances/{(string)started!["instanceId"]!}"),
            i => (string?)i["status"] == "suspended", $"instance {name} to wait for its callback");
        return ((string)started!["instanceId"]!, callback);
    }

    private TaskCompletionSource<string> CallbackOf(string name) =>
        _callbacks.GetOrAdd(name, _ => new(TaskCreationOptions.RunContinuationsAsynchronously));

    public async ValueTask DisposeAsync()
    {
        Release();
        if (_vendor is not null) await _vendor.DisposeAsync();
    }
}
