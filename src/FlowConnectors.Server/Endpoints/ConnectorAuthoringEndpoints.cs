using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Hosting;
using FlowConnectors.Server.Runtime;
using FlowConnectors.Engine.Formats;
using FlowConnectors.Server.Hosting.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Authoring connectors from the designer: read a connector's whole source, scaffold a new one, change
/// its settings, add/replace/delete its flows (with their cards), and load dynamic dropdowns and inputs
/// for a card. Every write builds the changed connector in a staging folder, runs deploy validation and
/// installs it through <see cref="ConnectorInstaller"/> (so editing a sample creates its installed copy);
/// a write that does not validate changes nothing and answers 400 with each problem's file, JSON path and code.
/// </summary>
internal static partial class ConnectorAuthoringEndpoints
{
    private const string FlowsFolder = "flows";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,99}$")] private static partial Regex FlowIdPattern();

    /// <summary>The manifest fields the settings form edits (version and http are kept unless sent).</summary>
    private static readonly string[] ManifestOrder =
        ["key", "name", "version", "description", "icon", "accentColor", "documentationUrl", "supportEmail", "baseUrl", "auth", "connectionParameters", "http"];

    // One authoring write at a time: each reads the installed connector, changes it and installs it, so two
    // concurrent edits of one connector must not both start from the same version (the second would undo the first).
    private static readonly SemaphoreSlim WriteGate = new(1, 1);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Map(WebApplication app)
    {
        var api = app.MapGroup("/api").WithTags("Connectors").ProducesAccessProblems();

        api.MapGet("/connectors/{key}/source", Results<Ok<ConnectorSource>, ProblemHttpResult> (string key, ConnectorRuntime runtime, ConnectorInstaller installer) =>
            Find(runtime, key) is { } package ? TypedResults.Ok(SourceJson(package, installer)) : NotInstalled(key))
            .WithName("GetConnectorSource").ProducesProblem(404);

        var writes = api.MapGroup("").AddEndpointFilter(async (context, next) =>
        {
            await WriteGate.WaitAsync(context.HttpContext.RequestAborted);
            try { return await next(context); }
            finally { WriteGate.Release(); }
        });

        writes.MapPost("/connectors", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (HttpRequest request, ConnectorRuntime runtime, ConnectorInstaller installer, ServerOptions options, CancellationToken ct) =>
        {
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            var key = Str(body!["key"]);
            if (key is null || !ManifestReader.IsValidKey(key))
                return Invalid($"key '{key}' must be 2–40 lower-case letters, digits or '-', starting with a letter or digit",
                    [new FormatProblem(ManifestReader.FileName, "$.key", "MANIFEST_INVALID_KEY", "2–40 lower-case letters, digits or '-'")]);
            if (Find(runtime, key) is not null)
                return Problems.Result(409, "Conflict", $"a connector with key '{key}' already exists; open it to edit it");
            var manifest = ScaffoldManifest(body);
            var authPingPath = Str(body["authPingPath"]) ?? "/";
            var revokePath = Str(body["revokePath"]) ?? Scaffolds.DefaultRevokePath;
            return await WriteAsync(installer, runtime, null, folder =>
            {
                WriteManifest(folder, manifest);
                WriteFlow(folder, Scaffolds.HttpHelper());
                WriteFlow(folder, Scaffolds.CustomApiAction());
                EnsureAuthFlows(folder, manifest, authPingPath, revokePath);
            }, created: true, ct);
        }).DocumentsBody<ConnectorCreateRequest>().WithName("CreateConnector").ProducesBodyProblems().ProducesProblem(409);

        writes.MapPut("/connectors/{key}/settings", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, HttpRequest request, ConnectorRuntime runtime, ConnectorInstaller installer,
            IConnectionStore connections, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            var manifest = ReadManifestObject(package);
            foreach (var (field, value) in body!)
            {
                if (value is null) manifest.Remove(field);
                else manifest[field] = value.DeepClone();
            }
            var newKey = Str(manifest["key"]);
            if (newKey != key)
            {
                if (newKey is null || !ManifestReader.IsValidKey(newKey))
                    return Invalid($"key '{newKey}' must be 2–40 lower-case letters, digits or '-', starting with a letter or digit",
                        [new FormatProblem(ManifestReader.FileName, "$.key", "MANIFEST_INVALID_KEY", "2–40 lower-case letters, digits or '-'")]);
                if (Find(runtime, newKey) is not null) return Problems.Result(409, "Conflict", $"a connector with key '{newKey}' already exists");
                var users = (await connections.ListAsync(ct)).Where(c => c.ConnectorKey == key).Select(c => c.Name).ToList();
                if (users.Count > 0)
                    return Problems.Result(409, "Conflict", $"connector '{key}' has connections ({string.Join(", ", users)}); its key is fixed while they exist");
            }
            var result = await WriteAsync(installer, runtime, package, folder =>
            {
                WriteManifest(folder, Order(manifest));
                EnsureAuthFlows(folder, manifest, "/", Scaffolds.DefaultRevokePath);
            }, created: false, ct);
            if (newKey != key && installer.IsInstalledHere(key) && Find(runtime, newKey!) is not null)
                await installer.UninstallAsync(key, ct);
            return result;
        }).DocumentsBody<JsonObject>().WithName("SaveConnectorSettings").ProducesBodyProblems().ProducesProblems(404, 409);

        writes.MapPut("/connectors/{key}/flows/{flowId}", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, string flowId, bool? confirm, HttpRequest request, ConnectorRuntime runtime,
            ConnectorInstaller installer, IFlowStore flows, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            var file = FileOf(flowId);
            if (!FlowIdPattern().IsMatch(flowId))
                return Invalid($"flow name '{flowId}' must start with a letter or '_' and hold letters, digits, '_' or '-'",
                    [new FormatProblem(file, "$.id", "FLOW_INVALID_NAME", "letters, digits, '_' or '-'")]);
            var (body, problem) = await ReadObjectAsync(request, options);
            if (problem is not null) return problem;
            body!["id"] ??= flowId;
            if (Str(body["id"]) != flowId)
                return Invalid($"the body's id '{body["id"]?.ToJsonString()}' does not match the URL's '{flowId}'",
                    [new FormatProblem(file, "$.id", "FLOW_ID_MISMATCH", $"must be '{flowId}'")]);
            body["format"] ??= FlowDefinition.CurrentFormat;
            var load = FlowJson.Load(body.ToJsonString());
            if (load.Flow is not { } flow || load.HasErrors)
                return Invalid($"{file} is not a valid flow", load.Problems.Where(p => p.IsError)
                    .Select(p => new FormatProblem(file, p.Path, "FLOW_INVALID", $"{p.Code}: {p.Message}")).ToList());
            var existed = package.FindFlow(flowId) is not null;
            // Removing or retyping an input that flows set breaks them: say which before anything changes; ?confirm=true saves anyway.
            if (confirm != true && await CardUsage.FindAsync(flows, package, flowId, flow, ct) is { Count: > 0 } usages)
                return Problems.Result(409, "Inputs in use",
                    $"{usages.Select(u => u.FlowId).Distinct().Count()} flow(s) set inputs this change removes or retypes ({string.Join(", ", usages.Select(u => u.Input).Distinct())}); " +
                    "save with ?confirm=true to change it anyway", usages.Select(u => (object)CardUsage.Json(u)));
            return await WriteAsync(installer, runtime, package, folder => WriteFlow(folder, flow), created: !existed, ct);
        }).DocumentsBody<JsonObject>().WithName("SaveConnectorFlow").ProducesBodyProblems().ProducesProblems(404, 409);

        writes.MapDelete("/connectors/{key}/flows/{flowId}", async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> (string key, string flowId, ConnectorRuntime runtime, ConnectorInstaller installer, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            if (package.FindFlow(flowId) is null) return Problems.Result(404, "Not found", $"connector '{key}' has no flow '{flowId}'");
            return await WriteAsync(installer, runtime, package, folder => File.Delete(Path.Combine(folder, FileOf(flowId))), created: false, ct);
        }).WithName("DeleteConnectorFlow").ProducesProblems(400, 404);

        ConnectorCardTestEndpoints.Map(api);

        // --- what people using the connectors see ----------------------------------------------
        api.MapGet("/connector-cards", (ConnectorRuntime runtime) => TypedResults.Ok(runtime.Installed.Connectors
            .SelectMany(package => package.Flows.Values
                .Where(f => f.Card is { Kind: CardKind.Action })
                .OrderBy(f => f.Card!.Label ?? f.Definition.Id, StringComparer.Ordinal)
                .Select(f => CardJson(package, f)))
            .ToArray())).WithName("ListConnectorCards");

        api.MapPost("/connectors/{key}/flows/{flowId}/fields/{field}/dropdown", async Task<Results<Ok<DropdownItems>, ProblemHttpResult>> (string key, string flowId, string field, HttpRequest request,
            ConnectorRuntime runtime, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            if (package.FindFlow(flowId)?.Card?.Fields.GetValueOrDefault(field)?.Dropdown is null)
                return Problems.Result(404, "Not found", $"field '{field}' of '{key}/{flowId}' has no dynamic dropdown");
            var (connectionId, values, problem) = await ReadDynamicRequestAsync(request, options);
            if (problem is not null) return problem;
            try
            {
                return TypedResults.Ok(new DropdownItems(await runtime.Actions.LoadDropdownAsync(key, flowId, field, connectionId!, values!, ct)));
            }
            catch (ConnectorException e) { return DynamicFailure(e); }
        }).DocumentsBody<DynamicValuesRequest>().WithName("LoadDropdown").ProducesBodyProblems().ProducesProblems(404, 409, 502);

        api.MapPost("/connectors/{key}/flows/{flowId}/dynamic-inputs", async Task<Results<Ok<DynamicInputs>, ProblemHttpResult>> (string key, string flowId, HttpRequest request,
            ConnectorRuntime runtime, ServerOptions options, CancellationToken ct) =>
        {
            if (Find(runtime, key) is not { } package) return NotInstalled(key);
            if (package.FindFlow(flowId)?.Card?.DynamicInputs is null)
                return Problems.Result(404, "Not found", $"'{key}/{flowId}' has no dynamic inputs");
            var (connectionId, values, problem) = await ReadDynamicRequestAsync(request, options);
            if (problem is not null) return problem;
            try
            {
                return TypedResults.Ok(new DynamicInputs(await runtime.Actions.LoadDynamicInputsAsync(key, flowId, connectionId!, values!, ct)));
            }
            catch (ConnectorException e) { return DynamicFailure(e); }
        }).DocumentsBody<DynamicValuesRequest>().WithName("LoadDynamicInputs").ProducesBodyProblems().ProducesProblems(404, 409, 502);
    }

    // --- writing ----------------------------------------------------------------------------------

    /// <summary>
    /// Copies the connector (or nothing, for a new one) into a staging folder, applies <paramref name="edit"/>,
    /// validates and installs. The staging folder is always removed.
    /// </summary>
    private static async Task<Results<Created<ConnectorSource>, Ok<ConnectorSource>, ProblemHttpResult>> WriteAsync(ConnectorInstaller installer, ConnectorRuntime runtime, ConnectorPackage? current, Action<string> edit,
        bool created, CancellationToken ct)
    {
        var staging = Path.Combine(Path.GetTempPath(), $"fc-authoring-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(staging);
            if (current is not null) ConnectorInstaller.CopyFolder(current.Directory, staging);
            edit(staging);
            var result = await installer.InstallAsync(staging, ct);
            if (!result.Succeeded)
            {
                var errors = result.Problems.Where(p => p.IsError).ToList();
                return Invalid($"the connector does not validate ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}): {errors.FirstOrDefault()}", errors);
            }
            var body = SourceJson(result.Package!, installer) with { Warnings = [.. result.Problems.Where(p => !p.IsError).Select(ProblemJson)] };
            return created ? TypedResults.Created((string?)null, body) : TypedResults.Ok(body);
        }
        finally
        {
            try { Directory.Delete(staging, recursive: true); } catch (DirectoryNotFoundException) { }
        }
    }

    private static void WriteManifest(string folder, JsonObject manifest) =>
        File.WriteAllText(Path.Combine(folder, ManifestReader.FileName), manifest.ToJsonString(Indented) + "\n");

    private static void WriteFlow(string folder, FlowDefinition flow)
    {
        Directory.CreateDirectory(Path.Combine(folder, FlowsFolder));
        File.WriteAllText(Path.Combine(folder, FileOf(flow.Id)), FlowJson.Save(flow));
    }

    private static string FileOf(string flowId) => $"{FlowsFolder}/{flowId}.flow.json";

    /// <summary>
    /// An auth kind that needs them gets a scaffolded <c>_authping</c> (and <c>_auth</c> for custom) when the connector
    /// has none; OAuth kinds also get a <c>_revoke</c>, so deauthorizing revokes the tokens at the vendor once its path is right.
    /// </summary>
    private static void EnsureAuthFlows(string folder, JsonObject manifest, string authPingPath, string revokePath)
    {
        var kind = Str((manifest["auth"] as JsonObject)?["kind"]) ?? "none";
        if (kind != "none" && !File.Exists(Path.Combine(folder, FileOf(ConnectorPackage.AuthPing))))
            WriteFlow(folder, Scaffolds.AuthPing(authPingPath));
        if (kind is "oauth2ClientCredentials" or "oauth2AuthorizationCode" && !File.Exists(Path.Combine(folder, FileOf(ConnectorPackage.Revoke))))
            WriteFlow(folder, Scaffolds.Revoke(revokePath));
        if (kind == "custom")
        {
            var flowName = Str((manifest["auth"] as JsonObject)?["flow"]) ?? "_auth";
            if (FlowIdPattern().IsMatch(flowName) && !File.Exists(Path.Combine(folder, FileOf(flowName))))
            {
                var parameters = (manifest["connectionParameters"] as JsonArray ?? []).Select(p => Str((p as JsonObject)?["name"])).OfType<string>();
                WriteFlow(folder, Scaffolds.CustomAuth(flowName, parameters));
            }
        }
    }

    /// <summary>A new connector's manifest from the create form: the parameters its auth kind needs unless sent.</summary>
    private static JsonObject ScaffoldManifest(JsonObject body)
    {
        var manifest = new JsonObject();
        foreach (var (field, value) in body)
            if (field is not ("authPingPath" or "revokePath")) manifest[field] = value?.DeepClone();
        manifest["name"] ??= Str(body["key"]);
        manifest["version"] ??= "1.0.0";
        manifest["auth"] ??= new JsonObject { ["kind"] = "none" };
        if (manifest["connectionParameters"] is null && manifest["auth"] is JsonObject auth)
            manifest["connectionParameters"] = DefaultParameters(auth);
        // Where refresh grants go is its own setting: the token endpoint until the author says otherwise.
        if (manifest["auth"] is JsonObject codeAuth && Str(codeAuth["kind"]) == "oauth2AuthorizationCode" && codeAuth["refreshUrl"] is null && codeAuth["tokenUrl"] is JsonValue tokenUrl)
            codeAuth["refreshUrl"] = tokenUrl.DeepClone();
        return Order(manifest);
    }

    private static JsonArray DefaultParameters(JsonObject auth)
    {
        JsonObject Parameter(string name, string label, string type) => new() { ["name"] = name, ["label"] = label, ["type"] = type, ["required"] = true };
        string Name(string field, string fallback) => Str(auth[field]) ?? fallback;
        return Str(auth["kind"]) switch
        {
            "basic" => [Parameter(Name("usernameParameter", "username"), "User name", "text"), Parameter(Name("passwordParameter", "password"), "Password", "password")],
            "apiKey" => [Parameter(Name("parameter", "token"), "API token", "password")],
            "oauth2ClientCredentials" or "oauth2AuthorizationCode" =>
                [Parameter(Name("clientIdParameter", "clientId"), "Client ID", "text"), Parameter(Name("clientSecretParameter", "clientSecret"), "Client secret", "password")],
            _ => [],
        };
    }

    /// <summary>Manifest fields in the documented order; anything else after them (deploy validation reports it).</summary>
    private static JsonObject Order(JsonObject manifest)
    {
        var ordered = new JsonObject();
        foreach (var field in ManifestOrder)
            if (manifest[field] is { } value) ordered[field] = value.DeepClone();
        foreach (var (field, value) in manifest)
            if (!ManifestOrder.Contains(field) && value is not null) ordered[field] = value.DeepClone();
        return ordered;
    }

    // --- reading ----------------------------------------------------------------------------------

    private static ConnectorPackage? Find(ConnectorRuntime runtime, string key) => runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == key);

    private static JsonObject ReadManifestObject(ConnectorPackage package) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(package.Directory, ManifestReader.FileName)))!.AsObject();

    /// <summary>Everything the designer edits: the manifest as written and every flow, canonical, with its card.</summary>
    private static ConnectorSource SourceJson(ConnectorPackage package, ConnectorInstaller installer) => new(
        package.Manifest.Key,
        Path.GetFullPath(package.Directory) == Path.GetFullPath(installer.FolderOf(package.Manifest.Key)),
        ReadManifestObject(package),
        IconDataUrl(package),
        [.. package.Flows.Values.OrderBy(f => f.Definition.Id, StringComparer.Ordinal).Select(f => JsonNode.Parse(FlowJson.Save(f.Definition))!.AsObject())]);

    private const int MaxIconBytes = 64 * 1024;

    /// <summary>
    /// The manifest's icon (a file in the connector folder) as a data: URL the designer shows on cards and in the palette
    /// (an image element never runs an SVG's scripts); null when there is none, it leaves the folder, or it is too large.
    /// </summary>
    internal static string? IconDataUrl(ConnectorPackage package)
    {
        if (package.Manifest.Icon is not { Length: > 0 } icon || icon.Contains("://", StringComparison.Ordinal)) return null;
        var root = Path.GetFullPath(package.Directory);
        var path = Path.GetFullPath(Path.Combine(root, icon));
        var type = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".svg" => "image/svg+xml", ".png" => "image/png", ".jpg" or ".jpeg" => "image/jpeg", ".gif" => "image/gif", ".webp" => "image/webp", _ => null,
        };
        if (type is null || !path.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal)) return null;
        var file = new FileInfo(path);
        if (!file.Exists || file.Length > MaxIconBytes) return null;
        return $"data:{type};base64,{Convert.ToBase64String(File.ReadAllBytes(path))}";
    }

    private static ConnectorCardResponse CardJson(ConnectorPackage package, ConnectorFlow flow)
    {
        var definition = JsonNode.Parse(FlowJson.Save(flow.Definition))!.AsObject();
        return new ConnectorCardResponse(package.Manifest.Key, package.Manifest.Name, package.Manifest.AccentColor, IconDataUrl(package), flow.Definition.Id,
            flow.Definition.Name, definition["inputs"]?.DeepClone().AsArray() ?? [], definition["outputs"]?.DeepClone().AsArray() ?? [], definition["card"]?.DeepClone());
    }

    private static async Task<(JsonObject? Body, ProblemHttpResult? Problem)> ReadObjectAsync(HttpRequest request, ServerOptions options)
    {
        var (body, problem) = await Problems.ReadJsonAsync(request, options.MaxBodyBytes);
        if (problem is not null) return (null, problem);
        return body is JsonObject o ? (o, null) : (null, Problems.Result(400, "Invalid input", "the body must be a JSON object", [new { path = "$", message = "expected an object" }]));
    }

    private static async Task<(string? ConnectionId, JsonObject? Values, ProblemHttpResult? Problem)> ReadDynamicRequestAsync(HttpRequest request, ServerOptions options)
    {
        var (body, problem) = await ReadObjectAsync(request, options);
        if (problem is not null) return (null, null, problem);
        if (Str(body!["connectionId"]) is not { Length: > 0 } connectionId)
            return (null, null, Problems.Result(400, "Invalid input", "choose a connection: 'connectionId' is required", [new { path = "$.connectionId", message = "required" }]));
        if (!Connection.IsValidId(connectionId))
            return (null, null, Problems.Result(400, "Invalid input", $"connection '{connectionId}' does not exist", [new { path = "$.connectionId", message = Connection.IdRule }]));
        if (body["values"] is not (JsonObject or null))
            return (null, null, Problems.Result(400, "Invalid input", "'values' must be an object of the card's option and input values", [new { path = "$.values", message = "expected an object" }]));
        return (connectionId, body["values"] as JsonObject ?? [], null);
    }

    private static ProblemHttpResult DynamicFailure(ConnectorException e) => e.Message.Contains("does not exist", StringComparison.Ordinal)
        ? Problems.Result(400, "Invalid input", e.Message, [new { path = "$.connectionId", message = e.Message }])
        : e.Message.Contains("belongs to connector", StringComparison.Ordinal) || e.Message.Contains("deauthorized", StringComparison.Ordinal)
            ? Problems.Result(409, "Conflict", e.Message)
            : Problems.Result(502, "The helper flow failed", e.Message);

    /// <summary>A JSON string's value; null for anything else (a number where text belongs is reported by validation, not thrown).</summary>
    private static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;

    private static ProblemHttpResult NotInstalled(string key) => Problems.Result(404, "Not found", $"connector '{key}' is not installed");

    private static ProblemHttpResult Invalid(string detail, IReadOnlyList<FormatProblem> problems) =>
        Problems.Result(400, "Invalid connector", detail, problems.Select(p => (object)ProblemJson(p)));

    private static FileProblemResponse ProblemJson(FormatProblem p) => new(p.File, p.Path, p.Code, p.Message, p.IsError ? "error" : "warning");
}
