using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities.Events;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Values;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Hosting.Access;
using FlowConnectors.Server.Hosting.Contracts;
using FlowConnectors.Server.Runtime;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Endpoints other systems call, without the API key: HTTP endpoint triggers (<c>/hooks/…</c>) and
/// resume callbacks (<c>/callbacks/&lt;token&gt;</c>, the token being the credential).
/// </summary>
internal static class InboundEndpoints
{
    public static void Map(WebApplication app)
    {
        app.Map("/hooks/{**path}", HookAsync).WithMetadata(AnonymousHook.Marker);
        // Vendors and waiting flows send JSON of their own shape: the body is described as a free-form object.
        // Callbacks and webhook deliveries carry their own token or signature: like hooks, they skip the management API's checks.
        app.MapPost("/callbacks/{token}", CallbackAsync)
            .WithMetadata(AnonymousHook.Marker)
            .WithTags("Inbound")
            .WithName("DeliverCallback")
            .WithSummary("Resume the instance waiting for this callback (stored, then answered 202)")
            .DocumentsBody<JsonObject>(required: false)
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status413PayloadTooLarge,
                StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status422UnprocessableEntity, StatusCodes.Status503ServiceUnavailable);
        app.MapPost("/webhooks/{token}", WebhookAsync)
            .WithMetadata(AnonymousHook.Marker)
            .WithTags("Inbound")
            .WithName("DeliverWebhook")
            .WithSummary("A webhook event card's delivery: signature checked, stored, answered 202 (a replay: 200, nothing started)")
            .DocumentsBody<JsonObject>()
            .ProducesProblems(StatusCodes.Status400BadRequest, StatusCodes.Status401Unauthorized, StatusCodes.Status404NotFound,
                StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status422UnprocessableEntity,
                StatusCodes.Status503ServiceUnavailable);
    }

    /// <summary>
    /// Starts a new instance per request. The response is the flow's outputs when it finishes
    /// within the sync timeout; when it suspends (or is still running) the response is 202 with the
    /// instance id, and its outputs are read later from /api/instances/{id}.
    /// </summary>
    private static async Task<IResult> HookAsync(string path, HttpRequest request, ITriggerStore triggers, WorkflowHost host, IInstanceStore instances, ServerOptions options,
        Connectors.Connections.IConnectionStore connections, IWebhookDeliveryLog deliveries, TimeProvider clock, ILoggerFactory loggers, CancellationToken ct)
    {
        var found = await triggers.FindByHashAsync(HookHash(path), ct);
        var trigger = found.FirstOrDefault(t => t.Enabled);
        if (trigger is null) return Problems.Result(404, "Not found", $"no flow listens on /hooks/{path}");
        var methods = (trigger.Config["methods"] as JsonArray ?? []).Select(m => ((string?)m ?? "").ToUpperInvariant()).ToList();
        if (!methods.Contains(request.Method.ToUpperInvariant()))
            return Problems.Result(405, "Method not allowed", $"/hooks/{path} accepts {string.Join(", ", methods)}");
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, options.MaxBodyBytes);
        if (tooLarge) return Problems.TooLarge(options.MaxBodyBytes);
        // The endpoint's own authentication comes before anything is parsed, stored or run.
        // The API key verifier (scoped: a UserManager and a pooled identity DbContext) is resolved only for an endpoint that
        // asks for a key, not for every request as an endpoint parameter.
        var auth = await HookAuth.CheckAsync(trigger.Config["auth"], request, bytes, options, connections, request.HttpContext.RequestServices, clock.GetUtcNow(),
            loggers.CreateLogger("FlowConnectors.Hooks"), ct);
        if (auth.Refusal is not null) return auth.Refusal;
        var replayKeys = ReplayKeys(trigger.Id, auth.ReplayKeys);
        if (replayKeys.Count > 0)
        {
            var (claim, _) = await deliveries.ClaimAsync(replayKeys, clock.GetUtcNow(), clock.GetUtcNow() + auth.RememberFor, ClaimTimeout(options), ct);
            if (claim != DeliveryClaim.New)
                return Problems.Result(409, "Already received", "this signed request was already received; a replay starts nothing");
        }
        var started = false;
        try
        {
            var answer = await RunHookAsync(path, request, trigger, host, instances, options, bytes, auth.SecretHeaders, clock, ct);
            started = true;
            return answer;
        }
        finally
        {
            // A request that ran (or failed inside the flow) is spent; one refused before running may be sent again.
            if (replayKeys.Count > 0)
            {
                if (started) await deliveries.CompleteAsync(replayKeys, 0, CancellationToken.None);
                else await deliveries.ReleaseAsync(replayKeys, CancellationToken.None);
            }
        }
    }

    // The trigger hash of a hook path (canonical JSON + SHA-256), remembered: it was computed per request. Bounded,
    // since the paths come from requests: when full it starts again.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> HookHashes = new(StringComparer.Ordinal);
    private const int MaxHookHashes = 4096;

    private static string HookHash(string path)
    {
        if (HookHashes.TryGetValue(path, out var hash)) return hash;
        hash = StartupLoader.HttpTriggerHash(path);
        if (HookHashes.Count >= MaxHookHashes) HookHashes.Clear();
        HookHashes[path] = hash;
        return hash;
    }

    private static async Task<IResult> RunHookAsync(string path, HttpRequest request, TriggerRecord trigger, WorkflowHost host, IInstanceStore instances, ServerOptions options,
        byte[] bytes, IReadOnlyList<string> secretHeaders, TimeProvider clock, CancellationToken ct)
    {
        JsonNode? body = null;
        if (bytes.Length > 0)
        {
            var type = request.ContentType ?? "";
            if (type.Contains("json", StringComparison.OrdinalIgnoreCase))
            {
                (body, var problem) = Problems.ParseJson(bytes, options.MaxInputDepth);
                if (problem is not null) return problem;
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
                .Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase) && !h.Key.Equals("Cookie", StringComparison.OrdinalIgnoreCase)
                            && !secretHeaders.Contains(h.Key, StringComparer.OrdinalIgnoreCase))
                .OrderBy(h => h.Key, StringComparer.Ordinal)
                .Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value.ToString()))),
            ["query"] = new JsonObject(request.Query.Select(q => KeyValuePair.Create(q.Key, (JsonNode?)q.Value.ToString()))),
            ["body"] = body,
        };
        var correlationPath = (string?)trigger.Config["correlationPath"];
        var correlation = correlationPath is null ? null : JsonValues.ToText(JsonValues.GetPath(payload, correlationPath)) is { Length: > 0 } c ? c : null;
        var dedupe = trigger.Config["dedupe"] is JsonValue d && d.TryGetValue(out bool on) && on;
        if (HookRequestRules.CheckRequired(trigger.Config, payload, correlationPath, dedupe) is { } missing) return missing;
        if (correlation is not null && HookRequestRules.CheckCorrelation(correlationPath!, correlation) is { } tooLong) return tooLong;
        HookRequestRules.Claim? claim = null;
        if (dedupe && correlation is not null)
        {
            var (answer, claimed) = await HookRequestRules.ClaimAsync(host, instances, trigger.FlowId, correlation, (string?)trigger.Config["statusVariable"], clock.GetUtcNow(), ct);
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
            return Problems.Validation("the request does not match the flow's inputs", e.Problems.Select(p => new { path = "$", message = p }));
        }
        catch (NotFoundException e)
        {
            return Problems.Result(404, "Not found", e.Message);
        }
        catch (RunQueueFullException e)
        {
            return FlowEndpoints.Busy(e, request.HttpContext);
        }
    }

    /// <summary>
    /// A webhook event card's delivery: the signature is checked first (401, nothing stored, when it
    /// fails), then the delivery is stored and acknowledged with 202; the event flow and the
    /// automation run in the background.
    /// </summary>
    private static async Task<Results<Accepted<DeliveryAcceptedResponse>, Ok<DuplicateDeliveryResponse>, ProblemHttpResult>> WebhookAsync(string token, HttpRequest request, ITriggerStore triggers, IInboxStore inbox,
        Connectors.Runtime.ConnectorRuntime runtime, BackgroundWorkers workers, ServerOptions options, TimeProvider clock,
        IWebhookDeliveryLog deliveries, CancellationToken ct)
    {
        var hash = AutomationEndpoints.WebhookHash(token);
        var trigger = (await triggers.FindByHashAsync(hash, ct)).FirstOrDefault();
        if (trigger is null) return Problems.Result(404, "Unknown webhook", "this webhook URL is not active");
        var (bytes, tooLarge) = await Problems.ReadBodyAsync(request, options.MaxBodyBytes);
        if (tooLarge) return Problems.TooLarge(options.MaxBodyBytes);
        var headers = request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        var check = await runtime.Webhooks.VerifyWebhookAsync((string)trigger.Config["connector"]!, (string)trigger.Config["card"]!, (string)trigger.Config["connectionId"]!, headers, bytes, ct);
        if (!check.IsValid) return Problems.Result(401, "Invalid signature", check.Reason ?? "the delivery's signature does not match");
        // A body that is JSON must be JSON a run can keep; one that is not JSON at all reaches the event flow as text, as before.
        if (JsonInput.Check(bytes, options.MaxInputDepth) is { IsSyntax: false } unusable) return Problems.Invalid(unusable);
        // Replay protection: a delivery already stored (same signature, or the vendor's delivery id) is
        // acknowledged with 200 and starts nothing, as Stripe advises for events already processed; one
        // being stored by a parallel request answers 409 so the sender retries later.
        var replayKeys = ReplayKeys(trigger.Id, check.ReplayKeys);
        if (replayKeys.Count > 0)
        {
            var now = clock.GetUtcNow();
            var (claim, stored) = await deliveries.ClaimAsync(replayKeys, now, now + check.RememberFor, ClaimTimeout(options), ct);
            if (claim == DeliveryClaim.Duplicate) return TypedResults.Ok(new DuplicateDeliveryResponse(false, true, stored));
            if (claim == DeliveryClaim.InProgress)
                return Problems.Result(409, "Delivery in progress", "this delivery is being stored by another request; send it again later");
        }
        long id;
        try
        {
            id = await inbox.AddAsync(new InboxMessage
            {
                Kind = "webhook",
                Hash = hash,
                Headers = new JsonObject(headers.Where(h => !h.Key.Equals("Authorization", StringComparison.OrdinalIgnoreCase))
                    .OrderBy(h => h.Key, StringComparer.Ordinal).Select(h => KeyValuePair.Create(h.Key.ToLowerInvariant(), (JsonNode?)h.Value))),
                Body = bytes,
                ReceivedAt = clock.GetUtcNow(),
            }, ct);
        }
        catch
        {
            if (replayKeys.Count > 0) await deliveries.ReleaseAsync(replayKeys, CancellationToken.None);
            throw;
        }
        if (replayKeys.Count > 0) await deliveries.CompleteAsync(replayKeys, id, CancellationToken.None);
        workers.Wake();
        return TypedResults.Accepted((string?)null, new DeliveryAcceptedResponse(true, id));
    }

    /// <summary>
    /// Stores the callback, then answers 202; the background worker resumes the instance. A callback
    /// that arrives before its Wait for Callback node has suspended is kept and delivered once it has.
    /// Every invalid callback, whether unknown, forged, spent or of an ended flow, gets the same 404,
    /// so the answer reveals nothing about an instance; nothing is stored for it.
    /// </summary>
    private static async Task<Results<Accepted<DeliveryAcceptedResponse>, ProblemHttpResult>> CallbackAsync(string token, HttpRequest request, IInstanceStore instances, IInboxStore inbox,
        BackgroundWorkers workers, ServerOptions options, TimeProvider clock, CallbackSigner signer, CancellationToken ct)
    {
        // A signed URL proves the server issued the token; an unsigned one (issued before URLs were signed)
        // is accepted only while its instance waits for exactly that token.
        var signed = signer.Verify(token);
        var plain = signed ?? token;
        var dot = plain.IndexOf('.');
        if (dot <= 0 || dot == plain.Length - 1) return UnknownCallback();
        var (body, bodyBytes, problem) = await Problems.ReadSizedJsonAsync(request, options.MaxBodyBytes, required: false, options.MaxInputDepth);
        if (problem is not null) return problem;
        if (StimulusCheck.Problem(body, options.MaxPayloadDepth, options.MaxBodyBytes, "$") is { } invalid)
            return Problems.Validation(invalid.Message, [new { path = invalid.Path, message = invalid.Message }]);
        var stimulus = new CallbackStimulus(plain);
        var hash = stimulus.Hash;
        // The bookmark is looked up by its hash (an index), not found in the decoded state of the instance.
        var check = await instances.CheckBookmarkAsync(plain[..dot], hash, ct);
        if (check is null) return UnknownCallback();
        var ended = check.Status is FlowStatus.Finished or FlowStatus.Faulted or FlowStatus.Cancelled;
        var waiting = !ended && check.Waiting;
        var early = signed is not null && check.Status == FlowStatus.Running;
        if (!waiting && !early) return UnknownCallback();
        // A wait that names what it accepts (Wait for Callback's accept) refuses anything else, unchanged.
        if (waiting && check.Data?["accept"] is JsonObject accept && CallbackRules.Check(accept, body) is { Count: > 0 } broken)
            return Problems.Validation("the callback does not match what the flow waits for: " + string.Join("; ", broken.Select(p => $"{p.Path} {p.Message}")),
                broken.Select(p => new { path = p.Path, message = p.Message }));
        var message = new InboxMessage
        {
            Kind = stimulus.Name,
            Hash = hash,
            Payload = body,
            Headers = new JsonObject { ["content-type"] = request.ContentType },
            ReceivedAt = clock.GetUtcNow(),
            // The body as received: what the payload weighs in the worker's byte budget, without serializing it again.
            Size = bodyBytes,
        };
        long id;
        // Its bookmark is known now: this node resumes it at once. An early callback waits in the inbox for its bookmark.
        if (waiting && check.BookmarkId is { } bookmarkId) id = await workers.StoreAndResumeAsync(message, plain[..dot], bookmarkId, ct);
        else
        {
            id = await inbox.AddAsync(message, ct);
            workers.Wake();
        }
        return TypedResults.Accepted((string?)null, new DeliveryAcceptedResponse(true, id));
    }

    private static ProblemHttpResult UnknownCallback() => Problems.Result(404, "Unknown callback", "unknown or expired callback");

    /// <summary>Replay keys scoped to one trigger and hashed: a vendor's delivery ids never share a namespace with another's.</summary>
    private static List<string> ReplayKeys(string triggerId, IReadOnlyList<string> keys) =>
        keys.Select(k => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(triggerId + "\n" + k)))).ToList();

    /// <summary>How long a claimed but unfinished delivery blocks its replays (its request may still be storing it).</summary>
    private static TimeSpan ClaimTimeout(ServerOptions options) => options.SyncTimeout + TimeSpan.FromSeconds(30);
}

/// <summary>A delivery (a webhook event or a callback) stored for the background worker: its inbox id.</summary>
internal sealed record DeliveryAcceptedResponse(bool Accepted, long Delivery);

/// <summary>A webhook delivery already stored (same signature or vendor delivery id): acknowledged, nothing started.</summary>
internal sealed record DuplicateDeliveryResponse(bool Accepted, bool Duplicate, long? Delivery);
