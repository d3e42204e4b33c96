using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Values;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Endpoints other systems call, without the API key: HTTP endpoint triggers (<c>/hooks/…</c>) and
/// resume callbacks (<c>/callbacks/&lt;token&gt;</c>, the token being the credential).
/// </summary>
internal static class InboundEndpoints
{
    public static void Map(WebApplication app)
    {
        app.Map("/hooks/{**path}", HookAsync);
        app.MapPost("/callbacks/{token}", CallbackAsync);
        app.MapPost("/webhooks/{token}", WebhookAsync);
    }

    /// <summary>
    /// Starts a new instance per request. The response is the flow's outputs when it finishes
    /// within the sync timeout; when it suspends (or is still running) the response is 202 with the
    /// instance id, and its outputs are read later from /api/instances/{id}.
    /// </summary>
    private static async Task<IResult> HookAsync(string path, HttpRequest request, ITriggerStore triggers, WorkflowHost host, IInstanceStore instances, ServerOptions options, CancellationToken ct)
    {
        var found = await triggers.FindByHashAsync(StartupLoader.HttpTriggerHash(path), ct);
        var trigger = found.FirstOrDefault(t => t.Enabled);
        if (trigger is null) return Problems.Result(404, "Not found", $"no flow listens on /hooks/{path}");
        var methods = (trigger.Config["methods"] as JsonArray ?? []).Select(m => ((string?)m ?? "").ToUpperInvariant()).ToList();
        if (!methods.Contains(request.Method.ToUpperInvariant()))
            return Problems.Result(405, "Method not allowed", $"/hooks/{path} accepts {string.Join(", ", methods)}");
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, options.MaxBodyBytes);
        if (tooLarge) return Problems.Result(413, "Body too large", $"the body is larger than the {options.MaxBodyBytes:N0}-byte limit");
        JsonNode? body = null;
        if (bytes.Length > 0)
        {
            var type = request.ContentType ?? "";
            if (type.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                try { body = JsonNode.Parse(bytes); }
                catch (JsonException e) { return Problems.Result(400, "Malformed JSON", $"the body is not valid JSON at line {(e.LineNumber ?? 0) + 1}, column {(e.BytePositionInLine ?? 0) + 1}"); }
            }
            else if (type.Contains("x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase))
            {
                var form = new JsonObject();
                foreach (var pair in System.Text.Encoding.UTF8.GetString(bytes).Split('&', StringSplitOptions.RemoveEmptyEntries))
                {
                    var parts = pair.Split('=', 2);
                    form[Uri.UnescapeDataString(parts[0].Replace('+', ' '))] = parts.Length > 1 ? Uri.UnescapeDataString(parts[1].Replace('+', ' ')) : "";
                }
                body = form;
            }
            else if (type.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
            {
                body = System.Text.Encoding.UTF8.GetString(bytes);
            }
            else
            {
                return Problems.Result(415, "Unsupported media type", $"send JSON, form data or text, not {request.ContentType ?? "no content type"}");
            }
        }
        var payload = new JsonObject
        {
            ["method"] = request.Method,
            ["path"] = path,
            ["headers"] = new JsonObject(request.Headers
                .Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase))
                .OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value.ToString()))),
            ["query"] = new JsonObject(request.Query.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value.ToString()))),
            ["body"] = body,
        };
        var correlationPath = (string?)trigger.Config["correlationPath"];
        var correlation = correlationPath is null ? null : JsonValues.ToText(JsonValues.GetPath(payload, correlationPath)) is { Length: > 0 } c ? c : null;
        var dedupe = trigger.Config["dedupe"] is JsonValue d && d.TryGetValue(out bool on) && on;
        if (HookRequestRules.CheckRequired(trigger.Config, payload, correlationPath, dedupe) is { } missing) return missing;
        HookRequestRules.Claim? claim = null;
        if (dedupe && correlation is not null)
        {
            var (answer, claimed) = await HookRequestRules.ClaimAsync(host, instances, trigger.FlowId, correlation, (string?)trigger.Config["statusVariable"], ct);
            if (answer is not null) return answer;
            claim = claimed;
        }
        using var release = claim;
        try
        {
            var started = await host.StartAsync(trigger.FlowId, null, null,
                new RunOptions { TriggerPayload = payload, CorrelationId = correlation, InstanceId = claim?.InstanceId }, options.SyncTimeout, ct);
            if (started.Result is not { } result)
                return Results.Json(new { instanceId = started.InstanceId, status = "accepted" }, statusCode: 202);
            if (result.Status == FlowStatus.Finished) return Results.Json(result.OutputsAsJson());
            return Problems.Result(422, "The flow faulted", result.Fault?.ToString() ?? "the flow did not finish");
        }
        catch (FlowInputException e)
        {
            return Problems.Validation("the request does not match the flow's inputs", e.Problems.Select(p => new { message = p }));
        }
        catch (NotFoundException e)
        {
            return Problems.Result(404, "Not found", e.Message);
        }
    }

    /// <summary>
    /// A webhook event card's delivery: the signature is checked first (401, nothing stored, when it
    /// fails), then the delivery is stored and acknowledged with 202; the event flow and the
    /// automation run in the background.
    /// </summary>
    private static async Task<IResult> WebhookAsync(string token, HttpRequest request, ITriggerStore triggers, IInboxStore inbox,
        Connectors.Runtime.ConnectorRuntime runtime, BackgroundWorkers workers, ServerOptions options, TimeProvider clock, CancellationToken ct)
    {
        var hash = AutomationEndpoints.WebhookHash(token);
        var trigger = (await triggers.FindByHashAsync(hash, ct)).FirstOrDefault();
        if (trigger is null) return Problems.Result(404, "Unknown webhook", "this webhook URL is not active");
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, options.MaxBodyBytes);
        if (tooLarge) return Problems.Result(413, "Body too large", $"the body is larger than the {options.MaxBodyBytes:N0}-byte limit");
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var check = await runtime.VerifyWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!, (string)trigger.Config["connectionId"]!, headers, bytes, ct);
        if (!check.IsValid) return Problems.Result(401, "Invalid signature", check.Reason ?? "the delivery's signature does not match");
        var id = await inbox.AddAsync(new InboxMessage
        {
            Kind = "webhook",
            Hash = hash,
            Headers = new JsonObject(headers.Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                .OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value))),
            Body = bytes,
            ReceivedAt = clock.GetUtcNow(),
        }, ct);
        workers.Wake();
        return Results.Json(new { accepted = true, delivery = id }, statusCode: 202);
    }

    /// <summary>
    /// Stores the callback, then answers 202; the background worker resumes the instance. A callback
    /// that arrives before its Wait for Callback node has suspended is kept and delivered once it has.
    /// </summary>
    private static async Task<IResult> CallbackAsync(string token, HttpRequest request, IInstanceStore instances, IInboxStore inbox,
        BackgroundWorkers workers, ServerOptions options, TimeProvider clock, CancellationToken ct)
    {
        var dot = token.IndexOf('.');
        if (dot <= 0 || dot == token.Length - 1) return Problems.Result(404, "Unknown callback", "this callback URL is not valid");
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes, required: false);
        if (problem is not null) return problem;
        var stored = await instances.GetAsync(token[..dot], ct);
        if (stored is null) return Problems.Result(404, "Unknown callback", "this callback URL is not valid");
        var state = stored.State;
        if (state.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled)
            return Problems.Result(410, "Callback closed", "the flow this callback belongs to has ended");
        var hash = Bookmark.ComputeHash(WaitForCallback.BookmarkName, WaitForCallback.StimulusOf(token));
        var waiting = state.Bookmarks.Any(b => b.Hash == hash);
        // A wait that names what it accepts (Wait for Callback's accept) refuses anything else, unchanged.
        if (state.Bookmarks.FirstOrDefault(b => b.Hash == hash)?.Data?["accept"] is JsonObject accept && CallbackRules.Check(accept, body) is { Count: > 0 } broken)
            return Problems.Validation("the callback does not match what the flow waits for: " + string.Join("; ", broken.Select(p => $"{p.Path} {p.Message}")),
                broken.Select(p => new { path = p.Path, message = p.Message }));
        if (!waiting && state.Status != FlowStatus.Running)
            return Problems.Result(409, "Callback already used", "this callback was already delivered, or the flow no longer waits for it");
        var id = await inbox.AddAsync(new InboxMessage
        {
            Kind = "callback",
            Hash = hash,
            Payload = body,
            Headers = new JsonObject { ["content-type"] = request.ContentType },
            ReceivedAt = clock.GetUtcNow(),
        }, ct);
        workers.Wake();
        return Results.Json(new { accepted = true, delivery = id }, statusCode: 202);
    }
}
