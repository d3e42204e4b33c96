using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Runtime;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Collection;

/// <summary>A client mistake in a collection request: the field it concerns and why.</summary>
public sealed class CollectionRequestException(int status, string path, string message) : Exception(message)
{
    /// <summary>The HTTP status the mistake answers (404, 409 or 422).</summary>
    public int Status { get; } = status;
    /// <summary>The JSON path of the field the mistake concerns.</summary>
    public string Path { get; } = path;
}

/// <summary>The schedule of a source: daily at a local time in an IANA zone, or manual only.</summary>
internal sealed record CollectionSchedule(bool Enabled, string Time, string TimeZone)
{
    public const string DefaultTime = "23:00";

    /// <summary>No schedule sent: manual imports only. Nobody's zone is assumed.</summary>
    public static readonly CollectionSchedule Manual = new(false, DefaultTime, "UTC");

    /// <summary>
    /// Reads <c>{ enabled, time, timeZone }</c> over <paramref name="current"/>: only the fields sent change. An enabled
    /// schedule needs the zone its time is in, given now or before — there is no silent UTC. Errors name the JSON path.
    /// </summary>
    public static CollectionSchedule Read(JsonNode? node, string path, CollectionSchedule current, bool zoneGiven, ICollectionSchedules schedules)
    {
        if (node is null) return current;
        if (node is not JsonObject o) throw new CollectionRequestException(422, path, "schedule must be an object { enabled, time, timeZone }");
        foreach (var (name, _) in o)
            if (name is not ("enabled" or "time" or "timeZone"))
                throw new CollectionRequestException(422, $"{path}.{name}", $"unknown field '{name}'; a schedule has enabled, time, timeZone");
        var enabled = !o.ContainsKey("enabled") ? (zoneGiven ? current.Enabled : true)
            : o["enabled"] is JsonValue e && e.TryGetValue(out bool b) ? b : throw new CollectionRequestException(422, $"{path}.enabled", "enabled must be true or false");
        var time = current.Time;
        if (o.ContainsKey("time"))
        {
            time = o["time"] is JsonValue t && t.TryGetValue(out string? s) ? s.Trim() : "";
            if (!TimeOnly.TryParseExact(time, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                throw new CollectionRequestException(422, $"{path}.time", $"time must be a local time HH:mm such as 23:00, got '{o["time"]?.ToJsonString()}'");
        }
        var zone = current.TimeZone;
        if (o.ContainsKey("timeZone"))
        {
            zone = o["timeZone"] is JsonValue z && z.TryGetValue(out string? zs) ? zs.Trim() : "";
            zoneGiven = true;
        }
        if (enabled && !zoneGiven)
            throw new CollectionRequestException(422, $"{path}.timeZone",
                $"timeZone is required: the IANA zone {time} is in, such as Europe/Berlin or America/New_York (UTC only if you mean it); the designer fills in your browser's zone");
        if (schedules.Problem(time, zone) is { } problem) throw new CollectionRequestException(422, $"{path}.timeZone", problem);
        return new CollectionSchedule(enabled, time, zone);
    }
}

/// <summary>
/// Connectors made from data-collection templates: adding one (compile, install, create the
/// connection, test it — nothing is kept when the test fails), its daily schedule (a durable
/// trigger timer, so it survives restarts and follows DST), and its import runs, one at a time per
/// connector, in the background.
/// </summary>
public sealed class CollectionService(
    CollectionOptions options, ConnectorRuntime runtime, ICollectionConnectorInstaller installer, ICollectionStore store, ICollectionSchedules schedules,
    TimeProvider clock, ILogger<CollectionService> logger) : ICollectionImports
{
    public const string TriggerPrefix = "collection:";

    private readonly ConcurrentDictionary<string, Task> _active = new(StringComparer.Ordinal);
    // Every import until it has stored its outcome (its key leaves _active a moment earlier); shutdown waits for these.
    private readonly ConcurrentDictionary<Task, bool> _unfinished = new();
    private readonly CancellationTokenSource _stopping = new();
    // Running imports by run id: their cancellation, and whether a user asked for it.
    private readonly ConcurrentDictionary<string, RunControl> _runs = new(StringComparer.Ordinal);

    private sealed class RunControl(CancellationToken stopping)
    {
        public CancellationTokenSource Cancel { get; } = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        public volatile bool ByUser;
        /// <summary>Completes when the run has stored its outcome.</summary>
        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    public string TemplatesFolder => options.TemplatesFolder;

    public static bool IsCollectionTrigger(string? triggerId) => triggerId?.StartsWith(TriggerPrefix, StringComparison.Ordinal) == true;

    public bool Handles(string triggerId) => IsCollectionTrigger(triggerId);

    /// <summary>The shipped templates by id (file name without <c>.template.json</c>); unreadable ones are logged and left out.</summary>
    public IReadOnlyList<(string Id, CollectionTemplate Template, JsonObject Json)> ListTemplates()
    {
        if (!Directory.Exists(TemplatesFolder)) return [];
        var list = new List<(string, CollectionTemplate, JsonObject)>();
        foreach (var file in Directory.GetFiles(TemplatesFolder, "*" + TemplateReader.Extension).Order(StringComparer.Ordinal))
        {
            var text = File.ReadAllText(file);
            var (template, problems) = TemplateReader.Read(text);
            if (template is null)
            {
                logger.LogWarning("template {File} not offered: {Problems}", file, string.Join("; ", problems));
                continue;
            }
            list.Add((Path.GetFileName(file)[..^TemplateReader.Extension.Length], template, JsonNode.Parse(text)!.AsObject()));
        }
        return list;
    }

    /// <summary>Adds a connector from a template; throws <see cref="CollectionRequestException"/> for client mistakes.</summary>
    public async Task<CollectionSource> AddAsync(JsonObject body, CancellationToken ct)
    {
        foreach (var (field, _) in body)
            if (field is not ("template" or "templateJson" or "name" or "key" or "settings" or "schedule" or "baseUrl" or "tokenUrl" or "suspiciousBelowPercent"))
                throw new CollectionRequestException(422, $"$.{field}", $"unknown field '{field}'; send template or templateJson, name, key, settings, schedule, baseUrl, tokenUrl, suspiciousBelowPercent");
        var name = Text(body, "name")?.Trim();
        if (string.IsNullOrEmpty(name)) throw new CollectionRequestException(422, "$.name", "a name is required");
        var (template, templateJson) = ResolveTemplate(body);
        var key = Text(body, "key") ?? TemplateCompiler.KeyFor(name);
        if (!Connectors.Manifest.ManifestReader.IsValidKey(key))
            throw new CollectionRequestException(422, "$.key", $"key '{key}' must be 2–40 lower-case letters, digits or '-'");
        if (runtime.Installed.IsInstalled(key) || await store.GetSourceAsync(key, ct) is not null)
            throw new CollectionRequestException(409, "$.key", $"a connector with key '{key}' already exists; choose another name or key");
        var schedule = CollectionSchedule.Read(body["schedule"], "$.schedule", CollectionSchedule.Manual, zoneGiven: false, schedules);
        var guard = GuardPercent(body["suspiciousBelowPercent"], "$.suspiciousBelowPercent") ?? CollectionSource.DefaultSuspiciousBelowPercent;
        var (values, baseUrl, tokenUrl) = ReadConnection(body, template);

        var staging = Path.Combine(Path.GetTempPath(), $"fc-collection-{Guid.NewGuid():N}");
        try
        {
            TemplateCompiler.WriteFolder(template, templateJson, new CompileOptions { Name = name, Key = key, BaseUrl = baseUrl, TokenUrl = tokenUrl }, staging);
            var installed = await installer.InstallAsync(staging, ct);
            if (!installed.Succeeded)
                throw new CollectionRequestException(422, "$.template", "the template does not compile to a valid connector: " + string.Join("; ", installed.Problems.Where(p => p.IsError).Take(5)));
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }

        string? connectionId = null;
        try
        {
            var connection = await runtime.Connections.CreateConnectionAsync(key, name, values, cancellationToken: ct);
            connectionId = connection.Id;
            // Saving tests the connection first: _authping asks the vendor for one user.
            var test = await runtime.Connections.TestConnectionAsync(connection.Id, ct);
            if (!test.Ok) throw new CollectionRequestException(422, "$.settings", $"the connection test failed: {test.Reason}");
            var source = new CollectionSource
            {
                ConnectorKey = key,
                Name = name,
                Vendor = template.Vendor,
                ConnectionId = connection.Id,
                ScheduleEnabled = schedule.Enabled,
                ScheduleTime = schedule.Time,
                TimeZone = schedule.TimeZone,
                CreatedAt = clock.GetUtcNow(),
                SuspiciousBelowPercent = guard,
            };
            await store.SaveSourceAsync(source, ct);
            await ScheduleAsync(source, ct);
            logger.LogInformation("collection connector {Key} added from template {Vendor}", key, template.Vendor);
            return source;
        }
        catch (Exception e)
        {
            // Nothing half-made stays behind: no connector, no connection.
            if (connectionId is not null) await runtime.Options.Connections.DeleteAsync(connectionId, CancellationToken.None);
            await installer.UninstallAsync(key, CancellationToken.None);
            if (e is ConnectorException) throw new CollectionRequestException(422, "$.settings", e.Message);
            throw;
        }
    }

    /// <summary>The settings (connection parameter values) and the base and token URL overrides of a request.</summary>
    private static (Dictionary<string, string> Values, string? BaseUrl, string? TokenUrl) ReadConnection(JsonObject body, CollectionTemplate template)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["settings"] is JsonObject settings)
            foreach (var (setting, value) in settings)
                values[setting] = value is JsonValue v && v.TryGetValue(out string? s) ? s
                    : throw new CollectionRequestException(422, $"$.settings.{setting}", $"setting '{setting}' must be a string");
        else if (body["settings"] is not null) throw new CollectionRequestException(422, "$.settings", "settings must be an object of connection parameter values");
        var baseUrl = Url(body, "baseUrl", template);
        var tokenUrl = Url(body, "tokenUrl", template);
        if (tokenUrl is not null && template.Auth.Kind != TemplateAuthKind.OAuth2ClientCredentials)
            throw new CollectionRequestException(422, "$.tokenUrl", "tokenUrl applies to OAuth 2.0 templates only");
        return (values, baseUrl, tokenUrl);
    }

    private static int? GuardPercent(JsonNode? node, string path) =>
        node is null ? null
        : node is JsonValue v && v.TryGetValue(out int n) && n is >= 0 and <= 100 ? n
        : throw new CollectionRequestException(422, path, "suspiciousBelowPercent must be a whole number from 0 (no guard) to 100");

    /// <summary>
    /// Runs one page of a template that is not saved (the designer's Test button): compiled and installed under a
    /// throwaway key with a connection of the settings sent, asked for its first page through the connection (so the
    /// auth is the real one), then removed again. Returns the raw sample, the mapped users, the records filtered out
    /// and where the next page is; a template the vendor does not answer as expected comes back with its problems.
    /// </summary>
    public async Task<CollectionTemplateTestResult> TestTemplateAsync(JsonObject body, CancellationToken ct)
    {
        foreach (var (field, _) in body)
            if (field is not ("template" or "templateJson" or "name" or "settings" or "baseUrl" or "tokenUrl"))
                throw new CollectionRequestException(422, $"$.{field}", $"unknown field '{field}'; send template or templateJson, settings, baseUrl, tokenUrl");
        var (template, templateJson) = ResolveTemplate(body);
        var (values, baseUrl, tokenUrl) = ReadConnection(body, template);
        var key = "template-test-" + Guid.NewGuid().ToString("N")[..12];
        var staging = Path.Combine(Path.GetTempPath(), $"fc-collection-{Guid.NewGuid():N}");
        string? connectionId = null;
        try
        {
            TemplateCompiler.WriteFolder(template, templateJson, new CompileOptions { Name = "Template test", Key = key, BaseUrl = baseUrl, TokenUrl = tokenUrl }, staging);
            var installed = await installer.InstallAsync(staging, ct);
            if (!installed.Succeeded)
                throw new CollectionRequestException(422, "$.templateJson", "the template does not compile to a valid connector: " + string.Join("; ", installed.Problems.Where(p => p.IsError).Take(5)));
            var connection = await runtime.Connections.CreateConnectionAsync(key, "Template test", values, cancellationToken: ct);
            connectionId = connection.Id;
            var query = TemplatePreview.FirstPageQuery(template);
            var run = await runtime.Actions.RunFlowAsync(key, "httpHelper", connection.Id, new JsonObject
            {
                ["relative_url"] = template.UsersUrl, ["request_method"] = "GET", ["query"] = query.DeepClone(), ["headers"] = new JsonObject { ["Accept"] = "application/json" },
            }, ct);
            if (run.Status != FlowConnectors.Engine.FlowStatus.Finished)
                throw new CollectionRequestException(422, "$.settings", $"the request failed: {run.Fault?.Message ?? "the test flow ended " + run.Status.ToString().ToLowerInvariant()}");
            var outputs = run.Outputs;
            var result = TemplatePreview.Analyze(template, Engine.Values.JsonValues.TryGetNumber(outputs.GetValueOrDefault("status_code"), out var status) ? (int)status : 0,
                outputs.GetValueOrDefault("headers") as JsonObject, outputs.GetValueOrDefault("body"));
            return result with { Request = new(template.UsersUrl, query) };
        }
        catch (ConnectorException e)
        {
            throw new CollectionRequestException(422, "$.settings", e.Message);
        }
        finally
        {
            if (connectionId is not null) await runtime.Options.Connections.DeleteAsync(connectionId, CancellationToken.None);
            if (runtime.Installed.IsInstalled(key)) await installer.UninstallAsync(key, CancellationToken.None);
            if (Directory.Exists(staging)) Directory.Delete(staging, recursive: true);
        }
    }

    private (CollectionTemplate, JsonObject) ResolveTemplate(JsonObject body)
    {
        if (body["templateJson"] is { } inline)
        {
            if (body["template"] is not null) throw new CollectionRequestException(422, "$.template", "send either template (a shipped template's id) or templateJson, not both");
            var (template, problems) = TemplateReader.Read(inline);
            if (template is null)
                throw new CollectionRequestException(422, "$.templateJson" + problems[0].Path.TrimStart('$'),
                    "the template is invalid: " + string.Join("; ", problems.Select(p => "$.templateJson" + p.Path.TrimStart('$') + ": " + p.Message)));
            return (template, inline.AsObject());
        }
        var id = Text(body, "template") ?? throw new CollectionRequestException(422, "$.template", "send template (a shipped template's id) or templateJson");
        var found = ListTemplates().FirstOrDefault(t => t.Id == id);
        if (found.Template is null)
            throw new CollectionRequestException(422, "$.template", $"no template '{id}'; shipped templates: {string.Join(", ", ListTemplates().Select(t => t.Id))}");
        return (found.Template, found.Json);
    }

    private static string? Text(JsonObject body, string field) =>
        body[field] switch
        {
            null => null,
            JsonValue v when v.TryGetValue(out string? s) => s,
            _ => throw new CollectionRequestException(422, $"$.{field}", $"{field} must be a string"),
        };

    private static string? Url(JsonObject body, string field, CollectionTemplate template)
    {
        var url = Text(body, field);
        if (url is null) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CollectionRequestException(422, $"$.{field}", $"{field} must be an absolute http(s) URL");
        if (CredentialUrls.Problem(url, CredentialUrls.SettingsHint(template.Auth.Kind)) is { } problem)
            throw new CollectionRequestException(422, $"$.{field}", problem);
        return url;
    }

    public async Task<CollectionSource> UpdateScheduleAsync(string key, JsonNode? body, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        if (body is null) throw new CollectionRequestException(422, "$", "send the fields to change: { enabled, time, timeZone }");
        // Only the fields sent change; a source that was never scheduled has no zone yet, so enabling it needs one.
        var everScheduled = source.ScheduleEnabled || source.TimeZone != CollectionSchedule.Manual.TimeZone || source.ScheduleTime != CollectionSchedule.DefaultTime;
        var schedule = CollectionSchedule.Read(body, "$", new CollectionSchedule(source.ScheduleEnabled, source.ScheduleTime, source.TimeZone), zoneGiven: everScheduled, schedules);
        source = source with { ScheduleEnabled = schedule.Enabled, ScheduleTime = schedule.Time, TimeZone = schedule.TimeZone };
        await store.SaveSourceAsync(source, ct);
        await ScheduleAsync(source, ct);
        return source;
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        if (_active.ContainsKey(key)) throw new CollectionRequestException(409, "$", $"an import of '{key}' is running; cancel it (POST /api/collection/runs/<id>/cancel) or wait until it has finished");
        await CancelTimersAsync(key, ct);
        await store.DeleteSourceAsync(key, ct);
        await store.DeleteUsersAsync(key, ct);
        await runtime.Options.Connections.DeleteAsync(source.ConnectionId, ct);
        await installer.UninstallAsync(key, ct);
    }

    /// <summary>When the schedule fires next (null when disabled).</summary>
    public Task<DateTimeOffset?> NextRunAsync(string key, CancellationToken ct) => schedules.NextDueAsync(TriggerPrefix + key, ct);

    /// <summary>The next occurrences of a source's schedule, each in its zone's local time with its UTC offset (so a DST change shows); none when disabled.</summary>
    public IReadOnlyList<DateTimeOffset> NextOccurrences(CollectionSource source, int count) =>
        source.ScheduleEnabled ? schedules.Next(source.ScheduleTime, source.TimeZone, Now, count) : [];

    private async Task ScheduleAsync(CollectionSource source, CancellationToken ct)
    {
        await CancelTimersAsync(source.ConnectorKey, ct);
        if (!source.ScheduleEnabled) return;
        await schedules.ScheduleAsync(TriggerPrefix + source.ConnectorKey, source.ScheduleTime, source.TimeZone, ct);
    }

    private Task CancelTimersAsync(string key, CancellationToken ct) => schedules.CancelAsync(TriggerPrefix + key, ct);

    /// <summary>Starts an import in the background and returns its run (status running) at once.</summary>
    public async Task<CollectionRun> StartRunAsync(string key, string trigger, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_active.TryAdd(key, gate.Task)) throw new CollectionRequestException(409, "$", $"an import of '{key}' is already running");
        _unfinished[gate.Task] = true;
        try
        {
            var control = new RunControl(_stopping.Token);
            var runner = new CollectionRunner(runtime, store, clock)
            {
                SuspiciousBelowPercent = source.SuspiciousBelowPercent,
                CancelledByUser = () => control.ByUser,
            };
            var run = await runner.CreateRunAsync(key, trigger, ct);
            _runs[run.Id] = control;
            var work = Task.Run(async () =>
            {
                try
                {
                    // The slot frees before the run is stored as finished: a client that sees it finished may start the next.
                    var finished = await runner.RunAsync(run, source.ConnectionId, null, control.Cancel.Token, finishing: () =>
                    {
                        _active.TryRemove(key, out _);
                        _runs.TryRemove(run.Id, out _);
                    });
                    logger.LogInformation("import {Run} of {Key} {Status}: {Pages} pages, {Records} records, {Inserted} inserted, {Updated} updated{Error}",
                        finished.Id, key, finished.Status, finished.Pages, finished.Records, finished.Inserted, finished.Updated, finished.Error is null ? "" : "; " + finished.Error);
                }
                catch (Exception e)
                {
                    logger.LogError(e, "import {Run} of {Key} could not record its outcome", run.Id, key);
                }
                finally
                {
                    _active.TryRemove(key, out _);
                    _runs.TryRemove(run.Id, out _);
                    control.Done.TrySetResult();
                    control.Cancel.Dispose();
                    gate.TrySetResult();
                    _unfinished.TryRemove(gate.Task, out _);
                }
            }, CancellationToken.None);
            return run;
        }
        catch
        {
            _active.TryRemove(key, out _);
            gate.TrySetResult();
            _unfinished.TryRemove(gate.Task, out _);
            throw;
        }
    }

    /// <summary>A schedule fired: start an import unless one is running (then this occurrence is skipped).</summary>
    public async Task FireAsync(string triggerId, CancellationToken ct)
    {
        var key = triggerId[TriggerPrefix.Length..];
        if (await store.GetSourceAsync(key, ct) is not { ScheduleEnabled: true }) return;
        try
        {
            await StartRunAsync(key, "schedule", ct);
        }
        catch (CollectionRequestException e)
        {
            logger.LogWarning("scheduled import of {Key} skipped: {Reason}", key, e.Message);
        }
    }

    public bool IsRunning(string key) => _active.ContainsKey(key);

    public DateTimeOffset Now => clock.GetUtcNow();

    /// <summary>Cancels a running import: it ends "cancelled", keeping what it stored (like a failed run). 409 when it is not running.</summary>
    public async Task<CollectionRun> CancelRunAsync(string runId, CancellationToken ct)
    {
        var run = await store.GetRunAsync(runId, ct) ?? throw new CollectionRequestException(404, "$", $"no import run '{runId}'");
        if (!_runs.TryGetValue(runId, out var control))
            throw new CollectionRequestException(409, "$", $"import run '{runId}' is not running (it {run.Status})");
        control.ByUser = true;
        try { await control.Cancel.CancelAsync(); }
        catch (ObjectDisposedException) { } // it finished meanwhile
        // Answered once the run has stored its outcome, so the caller sees it cancelled.
        try { await control.Done.Task.WaitAsync(TimeSpan.FromSeconds(30), ct); }
        catch (TimeoutException) { }
        return await store.GetRunAsync(runId, ct) ?? run;
    }

    /// <summary>
    /// Confirms a suspicious run: its data becomes the visible one (users it did not see are removed). 409 unless the run is
    /// suspicious and no later run has been accepted since.
    /// </summary>
    public async Task<CollectionRun> ConfirmRunAsync(string runId, CancellationToken ct)
    {
        var run = await store.GetRunAsync(runId, ct) ?? throw new CollectionRequestException(404, "$", $"no import run '{runId}'");
        if (run.Status != CollectionRunStatus.Suspicious)
            throw new CollectionRequestException(409, "$", $"import run '{runId}' is {run.Status}; only a suspicious run is confirmed");
        var source = await store.GetSourceAsync(run.ConnectorKey, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{run.ConnectorKey}'");
        if (source.AcceptedAt is { } accepted && accepted > run.StartedAt)
            throw new CollectionRequestException(409, "$", $"a later import of '{run.ConnectorKey}' has replaced the data since; this run can no longer be confirmed");
        if (_active.ContainsKey(run.ConnectorKey))
            throw new CollectionRequestException(409, "$", $"an import of '{run.ConnectorKey}' is running; confirm when it has finished");
        await store.AcceptRunAsync(run.ConnectorKey, run.StartedAt, ct);
        var confirmed = run with { Status = CollectionRunStatus.Succeeded, ConfirmedAt = clock.GetUtcNow() };
        await store.SaveRunAsync(confirmed, ct);
        logger.LogInformation("import {Run} of {Key} confirmed: {Users} users are the visible data", run.Id, run.ConnectorKey, run.Users);
        return confirmed;
    }

    /// <summary>Sets the share of the last good run under which a run is suspicious.</summary>
    public async Task<CollectionSource> UpdateGuardAsync(string key, JsonNode? body, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        if (body is not JsonObject o || o.Count != 1 || !o.ContainsKey("suspiciousBelowPercent"))
            throw new CollectionRequestException(422, "$", "send { \"suspiciousBelowPercent\": 0–100 } (0 turns the guard off)");
        source = source with { SuspiciousBelowPercent = GuardPercent(o["suspiciousBelowPercent"], "$.suspiciousBelowPercent")!.Value };
        await store.SaveSourceAsync(source, ct);
        return source;
    }

    /// <summary>Stops running imports (they end as failed, "cancelled", keeping what they stored) before the store goes away.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        // Within the host's shutdown time: an import stuck in a call that ignores cancellation must not hold the stop for ever.
        try { await Task.WhenAll(_unfinished.Keys.ToList()).WaitAsync(cancellationToken); }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            logger.LogWarning("stopping: {Count} imports did not end within the shutdown time; they are left as they are", _unfinished.Count);
        }
    }
}
