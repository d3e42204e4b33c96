using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Postman.Tests;

/// <summary>
/// A vendor on 127.0.0.1 that lists customers as Stripe documents it (docs.stripe.com/api/pagination): <c>GET /v1/customers</c>
/// with <c>limit</c> (1–100, default 10), <c>starting_after</c> or <c>ending_before</c> (an object id, not both), newest first,
/// answering <c>{ "object": "list", "url": "/v1/customers", "has_more": …, "data": [...] }</c>; a limit out of range is a 400 and
/// an unknown id a 404, both <c>invalid_request_error</c>. It records each request's query and the time it arrived.
/// </summary>
internal sealed class StripeStub : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<string> _ids;

    private StripeStub(WebApplication app, Uri address, List<string> ids)
    {
        _app = app;
        Address = address;
        _ids = ids;
    }

    public Uri Address { get; }
    public ConcurrentQueue<(string Query, DateTimeOffset At)> Requests { get; } = new();
    /// <summary>Every customer id, newest first: the order a full walk must return.</summary>
    public IReadOnlyList<string> Ids => _ids;

    public static async Task<StripeStub> StartAsync(int customers)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        StripeStub? stub = null;
        app.Run(context => stub!.HandleAsync(context));
        await app.StartAsync();
        var address = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
        stub = new StripeStub(app, address, Enumerable.Range(0, customers).Reverse().Select(i => $"cus_{i:D5}").ToList());
        return stub;
    }

    private Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        Requests.Enqueue((request.QueryString.Value ?? "", DateTimeOffset.UtcNow));
        if (request.Path != "/v1/customers" || request.Method != "GET")
            return Answer(context, 404, Error("resource_missing", $"Unrecognized request URL ({request.Method}: {request.Path}).", null));
        var limit = 10;
        if (request.Query.TryGetValue("limit", out var given) && (!int.TryParse(given, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > 100))
            return Answer(context, 400, Error("parameter_invalid_integer", "Invalid integer: limit must be between 1 and 100", "limit"));
        var after = request.Query["starting_after"].ToString();
        var before = request.Query["ending_before"].ToString();
        if (after.Length > 0 && before.Length > 0)
            return Answer(context, 400, Error("parameter_invalid", "You may only specify one of these parameters: ending_before, starting_after.", "starting_after"));
        int start, end;
        if (before.Length > 0)
        {
            end = _ids.IndexOf(before);
            if (end < 0) return Answer(context, 404, Error("resource_missing", $"No such customer: '{before}'", "ending_before"));
            start = Math.Max(0, end - limit);
        }
        else
        {
            start = 0;
            if (after.Length > 0)
            {
                var at = _ids.IndexOf(after);
                if (at < 0) return Answer(context, 404, Error("resource_missing", $"No such customer: '{after}'", "starting_after"));
                start = at + 1;
            }
            end = Math.Min(_ids.Count, start + limit);
        }
        var data = new JsonArray(_ids.Skip(start).Take(end - start).Select(id => (JsonNode)new JsonObject { ["id"] = id, ["object"] = "customer", ["email"] = $"{id}@example.com" }).ToArray());
        var hasMore = before.Length > 0 ? start > 0 : end < _ids.Count;
        return Answer(context, 200, new JsonObject { ["object"] = "list", ["url"] = "/v1/customers", ["has_more"] = hasMore, ["data"] = data });
    }

    private static JsonObject Error(string code, string message, string? param)
    {
        var error = new JsonObject { ["code"] = code, ["message"] = message, ["type"] = "invalid_request_error" };
        if (param is not null) error["param"] = param;
        return new JsonObject { ["error"] = error };
    }

    private static Task Answer(HttpContext context, int status, JsonObject body)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(body.ToJsonString());
    }

    public List<(string Query, DateTimeOffset At)> Take()
    {
        var list = new List<(string, DateTimeOffset)>();
        while (Requests.TryDequeue(out var r)) list.Add(r);
        return list;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
