using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Collection;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Persistence;
using FlowConnectors.Scheduling;
using FlowConnectors.Server.Hosting;

namespace FlowConnectors.Server.Runtime;

/// <summary>A client mistake in a collection request: the field it concerns and why.</summary>
internal sealed class CollectionRequestException(int status, string path, string message) : Exception(message)
{
    public int Status { get; } = status;
    public string Path { get; } = path;
}

/// <summary>The schedule of a source: daily at a local time in an IANA zone, or manual only.</summary>
internal sealed record CollectionSchedule(bool Enabled, string Time, string TimeZone)
{
    public const string DefaultTime = "23:00";

    public ScheduleSpec ToSpec() => ScheduleSpec.ForDailyAt(TimeOnly.ParseExact(Time, "HH:mm", CultureInfo.InvariantCulture), TimeZone);

    /// <summary>Reads <c>{ enabled, time, timeZone }</c>; errors name the JSON path.</summary>
    public static CollectionSchedule Read(JsonNode? node, string path)
    {
        if (node is null) return new CollectionSchedule(true, DefaultTime, "UTC");
        if (node is not JsonObject o) throw new CollectionRequestException(422, path, "schedule must be an object { enabled, time, timeZone }");
        foreach (var (name, _) in o)
            if (name is not ("enabled" or "time" or "timeZone"))
                throw new CollectionRequestException(422, $"{path}.{name}", $"unknown field '{name}'; a schedule has enabled, time, timeZone");
        var enabled = o["enabled"] is null || (o["enabled"] is JsonValue e && e.TryGetValue(out bool b) ? b : throw new CollectionRequestException(422, $"{path}.enabled", "enabled must be true or false"));
        var time = o["time"] is null ? DefaultTime : (o["time"] is JsonValue t && t.TryGetValue(out string? s) ? s.Trim() : "");
        if (!TimeOnly.TryParseExact(time, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            throw new CollectionRequestException(422, $"{path}.time", $"time must be a local time HH:mm such as 23:00, got '{o["time"]?.ToJsonString()}'");
        var zone = o["timeZone"] is null ? "UTC" : (o["timeZone"] is JsonValue z && z.TryGetValue(out string? zs) ? zs.Trim() : "");
        var schedule = new CollectionSchedule(enabled, time, zone);
        try { schedule.ToSpec(); }
        catch (ScheduleFormatException ex) { throw new CollectionRequestException(422, $"{path}.timeZone", ex.Reason); }
        return schedule;
    }
}

/// <summary>
/// Connectors made from data-collection templates: adding one (compile, install, create the
/// connection, test it — nothing is kept when the test fails), its daily schedule (a durable
/// trigger timer, so it survives restarts and follows DST), and its import runs, one at a time per
/// connector, in the background.
/// </summary>
internal sealed class CollectionService(
    ServerOptions options, ConnectorRuntime runtime, ConnectorInstaller installer, ICollectionStore store, ITimerStore timers,
    Lazy<SchedulerService> scheduler, TimeProvider clock, ILogger<CollectionService> logger) : IHostedService
{
    public const string TriggerPrefix = "collection:";

    private readonly ConcurrentDictionary<string, Task> _active = new(StringComparer.Ordinal);
    // Every import until it has stored its outcome (its key leaves _active a moment earlier); shutdown waits for these.
    private readonly ConcurrentDictionary<Task, bool> _unfinished = new();
    private readonly CancellationTokenSource _stopping = new();

    public string TemplatesFolder => Path.Combine(options.FlowsFolder, "templates");

    public static bool IsCollectionTrigger(string? triggerId) => triggerId?.StartsWith(TriggerPrefix, StringComparison.Ordinal) == true;

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
            if (field is not ("template" or "templateJson" or "name" or "key" or "settings" or "schedule" or "baseUrl" or "tokenUrl"))
                throw new CollectionRequestException(422, $"$.{field}", $"unknown field '{field}'; send template or templateJson, name, key, settings, schedule, baseUrl, tokenUrl");
        var name = Text(body, "name")?.Trim();
        if (string.IsNullOrEmpty(name)) throw new CollectionRequestException(422, "$.name", "a name is required");
        var (template, templateJson) = ResolveTemplate(body);
        var key = Text(body, "key") ?? TemplateCompiler.KeyFor(name);
        if (!System.Text.RegularExpressions.Regex.IsMatch(key, "^[a-z0-9][a-z0-9-]{1,39}$"))
            throw new CollectionRequestException(422, "$.key", $"key '{key}' must be 2–40 lower-case letters, digits or '-'");
        if (runtime.IsInstalled(key) || await store.GetSourceAsync(key, ct) is not null)
            throw new CollectionRequestException(409, "$.key", $"a connector with key '{key}' already exists; choose another name or key");
        var schedule = CollectionSchedule.Read(body["schedule"], "$.schedule");
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        if (body["settings"] is JsonObject settings)
            foreach (var (setting, value) in settings)
                values[setting] = value is JsonValue v && v.TryGetValue(out string? s) ? s
                    : throw new CollectionRequestException(422, $"$.settings.{setting}", $"setting '{setting}' must be a string");
        else if (body["settings"] is not null) throw new CollectionRequestException(422, "$.settings", "settings must be an object of connection parameter values");
        var baseUrl = Url(body, "baseUrl");
        var tokenUrl = Url(body, "tokenUrl");
        if (tokenUrl is not null && template.Auth.Kind != TemplateAuthKind.OAuth2ClientCredentials)
            throw new CollectionRequestException(422, "$.tokenUrl", "tokenUrl applies to OAuth 2.0 templates only");

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
            var connection = await runtime.CreateConnectionAsync(key, name, values, cancellationToken: ct);
            connectionId = connection.Id;
            // Saving tests the connection first: _authping asks the vendor for one user.
            var test = await runtime.TestConnectionAsync(connection.Id, ct);
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

    private static string? Url(JsonObject body, string field)
    {
        var url = Text(body, field);
        if (url is null) return null;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
            throw new CollectionRequestException(422, $"$.{field}", $"{field} must be an absolute http(s) URL");
        return url;
    }

    public async Task<CollectionSource> UpdateScheduleAsync(string key, JsonNode? body, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        var schedule = CollectionSchedule.Read(body, "$");
        source = source with { ScheduleEnabled = schedule.Enabled, ScheduleTime = schedule.Time, TimeZone = schedule.TimeZone };
        await store.SaveSourceAsync(source, ct);
        await ScheduleAsync(source, ct);
        return source;
    }

    public async Task DeleteAsync(string key, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        if (_active.ContainsKey(key)) throw new CollectionRequestException(409, "$", $"an import of '{key}' is running; delete it when it has finished");
        await CancelTimersAsync(key, ct);
        await store.DeleteSourceAsync(key, ct);
        await store.DeleteUsersAsync(key, ct);
        await runtime.Options.Connections.DeleteAsync(source.ConnectionId, ct);
        await installer.UninstallAsync(key, ct);
    }

    /// <summary>When the schedule fires next (null when disabled).</summary>
    public async Task<DateTimeOffset?> NextRunAsync(string key, CancellationToken ct) =>
        (await timers.ListAsync(ct)).Where(t => t.TriggerId == TriggerPrefix + key).Select(t => (DateTimeOffset?)t.DueAt).Min();

    private async Task ScheduleAsync(CollectionSource source, CancellationToken ct)
    {
        await CancelTimersAsync(source.ConnectorKey, ct);
        if (!source.ScheduleEnabled) return;
        var spec = new CollectionSchedule(true, source.ScheduleTime, source.TimeZone).ToSpec();
        if (ScheduleTriggers.CreateTimer(TriggerPrefix + source.ConnectorKey, spec, clock.GetUtcNow()) is { } timer)
            await scheduler.Value.Scheduler.ScheduleAsync(timer, ct);
    }

    private async Task CancelTimersAsync(string key, CancellationToken ct)
    {
        foreach (var stale in (await timers.ListAsync(ct)).Where(t => t.TriggerId == TriggerPrefix + key))
            await scheduler.Value.Scheduler.CancelAsync(stale.Id, ct);
    }

    /// <summary>Starts an import in the background and returns its run (status running) at once.</summary>
    public async Task<CollectionRun> StartRunAsync(string key, string trigger, CancellationToken ct)
    {
        var source = await store.GetSourceAsync(key, ct) ?? throw new CollectionRequestException(404, "$", $"no collection connector '{key}'");
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_active.TryAdd(key, gate.Task)) throw new CollectionRequestException(409, "$", $"an import of '{key}' is already running");
        _unfinished[gate.Task] = true;
        try
        {
            var runner = new CollectionRunner(runtime, store, clock);
            var run = await runner.CreateRunAsync(key, trigger, ct);
            var work = Task.Run(async () =>
            {
                try
                {
                    // The slot frees before the run is stored as finished: a client that sees it finished may start the next.
                    var finished = await runner.RunAsync(run, source.ConnectionId, null, _stopping.Token, finishing: () => _active.TryRemove(key, out _));
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

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Stops running imports (they end as failed, "cancelled", keeping what they stored) before the store goes away.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await Task.WhenAll(_unfinished.Keys.ToList());
    }
}
