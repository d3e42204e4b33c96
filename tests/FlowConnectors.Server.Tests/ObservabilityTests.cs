using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using OpenTelemetry;
using OpenTelemetry.Trace;

namespace FlowConnectors.Server.Tests;

/// <summary>One server and one in-memory trace exporter for the observability tests.</summary>
public sealed class ObservabilityFixture : IAsyncLifetime
{
    public List<Activity> Spans { get; } = [];
    public CapturingLoggerProvider Logs { get; } = new();
    private TracerProvider? _tracing;
    internal TestServer Server { get; private set; } = null!;
    internal VendorStub Vendor { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _tracing = Sdk.CreateTracerProviderBuilder()
            .AddSource(EngineTelemetry.Name, HttpTelemetry.Name, "Microsoft.AspNetCore")
            .AddInMemoryExporter(Spans)
            .Build();
        Vendor = await VendorStub.StartAsync();
        Server = await TestServer.StartAsync();
        Server.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
    }

    /// <summary>The spans of one trace that carry the instance's id (other tests' servers share the listener).</summary>
    public List<Activity> SpansOf(string instanceId)
    {
        lock (Spans) return Spans.Where(s => (string?)s.GetTagItem(EngineTelemetry.InstanceTag) == instanceId).ToList();
    }

    public List<Activity> SpansInTrace(ActivityTraceId trace)
    {
        lock (Spans) return Spans.Where(s => s.TraceId == trace).ToList();
    }

    public async Task DisposeAsync()
    {
        await Server.DisposeAsync();
        await Vendor.DisposeAsync();
        _tracing?.Dispose();
    }
}

public sealed class ObservabilityTests(ObservabilityFixture fixture) : IClassFixture<ObservabilityFixture>
{
    private TestServer Server => fixture.Server;

    private static StringContent Json(string text) => new(text, Encoding.UTF8, "application/json");

    private async Task CreateAsync(string flowJson)
    {
        var created = await Server.Client.PostAsync("/api/flows?publish=true", Json(flowJson));
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
    }

    private async Task<JsonNode> RunAsync(string flowId, object inputs, string? traceParent = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/flows/{flowId}/run")
        {
            Content = Json(System.Text.Json.JsonSerializer.Serialize(new { inputs })),
        };
        if (traceParent is not null) request.Headers.Add("traceparent", traceParent);
        var response = await Server.Client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text)!;
    }

    [Fact]
    public async Task The_trace_of_a_run_has_one_span_per_node_and_one_per_HTTP_call_in_the_callers_trace()
    {
        await CreateAsync($$"""
            { "format": 1, "id": "traced", "outputs": [ { "name": "status", "type": "integer" } ],
              "nodes": [
                { "id": "prepare", "type": "SetVariable", "inputs": { "name": "n", "value": 2 } },
                { "id": "compute", "type": "RunJavaScript", "inputs": { "code": "return vars.n * 21;" } },
                { "id": "install", "type": "Http.SendRequest", "inputs": { "url": "{{fixture.Vendor.Address}}apps/1/install", "method": "POST" } },
                { "id": "answer", "type": "SetOutput", "inputs": { "name": "status", "value": { "js": "nodes.install.statusCode" } } } ],
              "variables": [ { "name": "n", "type": "integer" } ],
              "connections": [ { "from": "prepare:done", "to": "compute" }, { "from": "compute:done", "to": "install" }, { "from": "install:2xx", "to": "answer" } ] }
            """);
        var trace = ActivityTraceId.CreateRandom();
        var body = await RunAsync("traced", new { }, $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        ((string?)body["status"]).ShouldBe("finished", body.ToJsonString());
        var instanceId = (string)body["instanceId"]!;

        var spans = fixture.SpansOf(instanceId);
        var run = spans.Single(s => s.OperationName == "flow run");
        run.TraceId.ShouldBe(trace, "the run continues the caller's trace (W3C traceparent)");
        var nodes = spans.Where(s => s != run).ToList();
        nodes.Select(s => s.OperationName).Order().ShouldBe(["answer", "compute", "install", "prepare"]);
        nodes.ShouldAllBe(s => s.ParentSpanId == run.SpanId && s.TraceId == trace);
        var install = nodes.Single(s => s.OperationName == "install");
        var http = fixture.SpansInTrace(trace).Single(s => s.Source.Name == HttpTelemetry.Name);
        http.ParentSpanId.ShouldBe(install.SpanId);
        http.GetTagItem("http.response.status_code").ShouldBe(202);
        // The vendor is told the trace: the call carries a traceparent of the same trace.
        fixture.Vendor.TraceParents.ShouldContain(t => t.Path == "/apps/1/install" && t.TraceParent.StartsWith($"00-{trace}-"));
        ((string?)run.GetTagItem(EngineTelemetry.StatusTag)).ShouldBe("finished");
    }

    [Fact]
    public async Task A_resumed_instance_continues_the_trace_its_first_run_started()
    {
        var (status, started) = await Server.PostJsonAsync("/api/flows/wait-for-event/run", new { inputs = new { requestId = "trace-1" }, mode = "async" });
        status.ShouldBe(202, started?.ToJsonString());
        var instanceId = (string)started!["instanceId"]!;
        await TestServer.EventuallyAsync(() => Server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "suspended", "suspension");
        (await Server.PostJsonAsync("/api/events", new { @event = "approval", correlationId = "trace-1", payload = new { by = "grace", approved = true } }))
            .Status.ShouldBe(202);
        await TestServer.EventuallyAsync(() => Server.GetJsonAsync($"/api/instances/{instanceId}"), i => (string?)i["status"] == "finished", "the resume");
        var spans = await TestServer.EventuallyAsync(() => Task.FromResult(fixture.SpansOf(instanceId)),
            s => s.Any(x => x.OperationName == "flow resume") && s.Any(x => x.OperationName == "flow run"), "both spans");
        var first = spans.Single(s => s.OperationName == "flow run");
        var resume = spans.Single(s => s.OperationName == "flow resume");
        resume.TraceId.ShouldBe(first.TraceId);
        spans.Where(s => s.Source.Name == EngineTelemetry.Name).ShouldAllBe(s => s.TraceId == first.TraceId);
    }

    [Fact]
    public async Task Metrics_are_served_as_Prometheus_text_that_parses()
    {
        await CreateAsync("""
            { "format": 1, "id": "metered", "inputs": [ { "name": "fail", "type": "boolean" } ],
              "nodes": [ { "id": "check", "type": "If", "inputs": { "condition": { "js": "input.fail" } } },
                         { "id": "boom", "type": "Fail", "inputs": { "message": "metered failure" } },
                         { "id": "fine", "type": "Log", "inputs": { "message": "all good" } } ],
              "connections": [ { "from": "check:true", "to": "boom" }, { "from": "check:false", "to": "fine" } ] }
            """);
        ((string?)(await RunAsync("metered", new { fail = false }))["status"]).ShouldBe("finished");
        ((string?)(await RunAsync("metered", new { fail = true }))["status"]).ShouldBe("faulted");

        using var anonymous = new HttpClient { BaseAddress = Server.Address };
        (await anonymous.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var families = await TestServer.EventuallyAsync(async () =>
        {
            var response = await Server.Client.GetAsync("/metrics");
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("text/plain");
            return PrometheusText.Parse(await response.Content.ReadAsStringAsync());
        }, f => f.ContainsKey("flowconnectors_runs_faulted") && f.ContainsKey("flowconnectors_instances"), "the run metrics and the sampled gauges");

        families["flowconnectors_runs_started"].Type.ShouldBe("counter");
        families["flowconnectors_runs_started"].Samples.ShouldContain(s => s.Labels["flowconnectors_flow_id"] == "metered" && s.Value >= 2);
        families["flowconnectors_runs_faulted"].Samples.ShouldContain(s => s.Labels["flowconnectors_flow_id"] == "metered" && s.Value >= 1);
        families["flowconnectors_runs_finished"].Samples.ShouldContain(s => s.Labels["flowconnectors_flow_id"] == "metered" && s.Value >= 1);
        var durations = families["flowconnectors_node_duration_seconds"];
        durations.Type.ShouldBe("histogram");
        durations.Samples.ShouldContain(s => s.Name.EndsWith("_bucket") && s.Labels["flowconnectors_activity_type"] == "Fail" && s.Labels["flowconnectors_status"] == "fault");
        families["flowconnectors_queue_depth"].Type.ShouldBe("gauge");
        families.ShouldContainKey("flowconnectors_inbox_depth");
        families.ShouldContainKey("flowconnectors_timer_lag_seconds");
        // .NET's own runtime meter: what an operator reads GC pressure and CPU from.
        families["dotnet_gc_heap_total_allocated_bytes"].Type.ShouldBe("counter");
        families["dotnet_gc_heap_total_allocated_bytes"].Samples.Single().Value.ShouldBeGreaterThan(0);
        families["dotnet_gc_collections"].Samples.ShouldContain(s => s.Labels["gc_heap_generation"] == "gen0");
        families["dotnet_process_cpu_time_seconds"].Samples.ShouldContain(s => s.Labels["cpu_mode"] == "user" && s.Value > 0);
    }

    [Fact]
    public async Task Incidents_group_faulted_runs_by_flow_node_and_message()
    {
        await CreateAsync("""
            { "format": 1, "id": "flaky", "inputs": [ { "name": "reason", "type": "string" } ],
              "nodes": [ { "id": "call", "type": "Fail", "inputs": { "message": { "js": "'vendor said ' + input.reason" } } } ], "connections": [] }
            """);
        foreach (var reason in new[] { "busy", "busy", "gone", "busy" })
            ((string?)(await RunAsync("flaky", new { reason }))["status"]).ShouldBe("faulted");

        var page = await Server.GetJsonAsync("/api/incidents?flowId=flaky");
        page["total"]!.GetValue<int>().ShouldBe(2);
        var busy = page["items"]!.AsArray().Single(i => (string?)i!["message"] == "vendor said busy")!;
        busy["count"]!.GetValue<long>().ShouldBe(3);
        ((string?)busy["nodeId"]).ShouldBe("call");
        ((string?)busy["activityType"]).ShouldBe("Fail");
        busy["firstAt"]!.GetValue<DateTimeOffset>().ShouldBeLessThanOrEqualTo(busy["lastAt"]!.GetValue<DateTimeOffset>());
        var latest = await Server.GetJsonAsync($"/api/instances/{(string)busy["lastInstanceId"]!}");
        ((string?)latest["status"]).ShouldBe("faulted");
        (await Server.GetJsonAsync($"/api/incidents/{(string)busy["id"]!}"))["count"]!.GetValue<long>().ShouldBe(3);

        (await Server.GetJsonAsync("/api/incidents?flowId=flaky&q=gone"))["total"]!.GetValue<int>().ShouldBe(1);
        (await Server.GetJsonAsync("/api/incidents?flowId=flaky&nodeId=elsewhere"))["total"]!.GetValue<int>().ShouldBe(0);
        var bad = await Server.Client.GetAsync("/api/incidents?since=yesterday");
        bad.StatusCode.ShouldBe(HttpStatusCode.UnprocessableEntity);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("since");
        (await Server.Client.GetAsync("/api/incidents/nope")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Log_lines_written_during_a_node_carry_its_flow_instance_and_node_ids()
    {
        await CreateAsync("""
            { "format": 1, "id": "chatty",
              "nodes": [ { "id": "say", "type": "Log", "inputs": { "message": "hello from a node", "level": "Warning" } } ], "connections": [] }
            """);
        var body = await RunAsync("chatty", new { });
        var instanceId = (string)body["instanceId"]!;
        var line = await TestServer.EventuallyAsync(() => Task.FromResult(fixture.Logs.Entries.FirstOrDefault(e => e.Message == "hello from a node")),
            e => e is not null, "the log line");
        line!.Category.ShouldBe("FlowConnectors.Flows");
        line.Level.ShouldBe(LogLevel.Warning);
        line.Scope["FlowId"].ShouldBe("chatty");
        line.Scope["InstanceId"].ShouldBe(instanceId);
        line.Scope["NodeId"].ShouldBe("say");
    }
}

/// <summary>Keeps every log line with the structured values of its scopes.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider, ISupportExternalScope
{
    public sealed record Entry(string Category, LogLevel Level, string Message, Dictionary<string, object?> Scope);

    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();
    public ConcurrentQueue<Entry> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);
    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
    public void Dispose() { }

    private sealed class Logger(CapturingLoggerProvider provider, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var scope = new Dictionary<string, object?>(StringComparer.Ordinal);
            provider._scopes.ForEachScope((value, into) =>
            {
                if (value is IEnumerable<KeyValuePair<string, object?>> pairs)
                    foreach (var (key, item) in pairs) into[key] = item;
            }, scope);
            provider.Entries.Enqueue(new Entry(category, logLevel, formatter(state, exception), scope));
        }
    }
}
