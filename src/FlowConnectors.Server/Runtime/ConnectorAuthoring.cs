using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;
using FlowConnectors.Persistence;
using FlowConnectors.Server.Endpoints;

namespace FlowConnectors.Server.Runtime;

/// <summary>Why an authoring change was refused; the endpoint answers it as a problem.</summary>
internal enum AuthoringRefusalKind
{
    /// <summary>The connector, or its flow, does not exist.</summary>
    NotFound,
    /// <summary>The change conflicts with what exists (a key taken, connections that fix the key).</summary>
    Conflict,
    /// <summary>Flows set inputs the change removes or retypes; <see cref="AuthoringRefusal.Usages"/> says where.</summary>
    InputsInUse,
    /// <summary>The connector (or the flow sent) does not validate; <see cref="AuthoringRefusal.Problems"/> says why.</summary>
    Invalid,
}

internal sealed record AuthoringRefusal(AuthoringRefusalKind Kind, string Detail, IReadOnlyList<FormatProblem>? Problems = null,
    IReadOnlyList<CardUsage.Usage>? Usages = null);

/// <summary>An authoring change: the connector as installed after it (new or replaced), with its warnings; or why it was refused.</summary>
internal sealed record AuthoringResult(ConnectorPackage? Package, bool Created, IReadOnlyList<FormatProblem> Warnings, AuthoringRefusal? Refusal)
{
    public static AuthoringResult Refused(AuthoringRefusalKind kind, string detail, IReadOnlyList<FormatProblem>? problems = null) => new(null, false, [], new(kind, detail, problems));
}

/// <summary>
/// Authoring connectors on disk: scaffold a new one, change its settings, add/replace/delete its flows (with their cards).
/// Every write builds the changed connector in a staging folder, runs deploy validation and installs it through
/// <see cref="ConnectorInstaller"/> (so editing a sample creates its installed copy); a write that does not validate
/// changes nothing and is refused with each problem's file, JSON path and code.
/// </summary>
internal sealed partial class ConnectorAuthoring(ConnectorRuntime runtime, ConnectorInstaller installer, IConnectionStore connections, IFlowStore flows)
{
    private const string FlowsFolder = "flows";

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]{0,99}$")] private static partial Regex FlowIdPattern();

    /// <summary>The manifest fields the settings form edits (version and http are kept unless sent).</summary>
    private static readonly string[] ManifestOrder =
        ["key", "name", "version", "description", "icon", "accentColor", "documentationUrl", "supportEmail", "baseUrl", "auth", "connectionParameters", "http"];

    // One authoring write at a time: each reads the installed connector, changes it and installs it, so two
    // concurrent edits of one connector must not both start from the same version (the second would undo the first).
    private readonly SemaphoreSlim writeGate = new(1, 1);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The installed connector with this key, or null.</summary>
    public ConnectorPackage? Find(string key) => runtime.Installed.Connectors.FirstOrDefault(c => c.Manifest.Key == key);

    /// <summary>Whether the connector is the copy this server installed (not a sample or a folder it started with).</summary>
    public bool IsInstalledCopy(ConnectorPackage package) =>
        Path.GetFullPath(package.Directory) == Path.GetFullPath(installer.FolderOf(package.Manifest.Key));

    /// <summary>The manifest as written.</summary>
    public static JsonObject ReadManifestObject(ConnectorPackage package) =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(package.Directory, ManifestReader.FileName)))!.AsObject();

    /// <summary>A new connector from the create form: manifest fields, plus authPingPath and revokePath for its scaffolded auth flows.</summary>
    public Task<AuthoringResult> CreateAsync(JsonObject body, CancellationToken ct) => GatedAsync(async () =>
    {
        var key = Str(body["key"]);
        if (key is null || !ManifestReader.IsValidKey(key)) return InvalidKey(key);
        if (Find(key) is not null)
            return AuthoringResult.Refused(AuthoringRefusalKind.Conflict, $"a connector with key '{key}' already exists; open it to edit it");
        var manifest = ScaffoldManifest(body);
        var authPingPath = Str(body["authPingPath"]) ?? "/";
        var revokePath = Str(body["revokePath"]) ?? Scaffolds.DefaultRevokePath;
        return await WriteAsync(null, folder =>
        {
            WriteManifest(folder, manifest);
            WriteFlow(folder, Scaffolds.HttpHelper());
            WriteFlow(folder, Scaffolds.CustomApiAction());
            EnsureAuthFlows(folder, manifest, authPingPath, revokePath);
        }, created: true, ct);
    }, ct);

    /// <summary>Changes the manifest's fields (a null removes one); a new key only while no connection uses the connector.</summary>
    public Task<AuthoringResult> SaveSettingsAsync(string key, JsonObject body, CancellationToken ct) => GatedAsync(async () =>
    {
        if (Find(key) is not { } package) return NotInstalled(key);
        var manifest = ReadManifestObject(package);
        foreach (var (field, value) in body)
        {
            if (value is null) manifest.Remove(field);
            else manifest[field] = value.DeepClone();
        }
        var newKey = Str(manifest["key"]);
        if (newKey != key)
        {
            if (newKey is null || !ManifestReader.IsValidKey(newKey)) return InvalidKey(newKey);
            if (Find(newKey) is not null) return AuthoringResult.Refused(AuthoringRefusalKind.Conflict, $"a connector with key '{newKey}' already exists");
            var users = (await connections.ListAsync(ct)).Where(c => c.ConnectorKey == key).Select(c => c.Name).ToList();
            if (users.Count > 0)
                return AuthoringResult.Refused(AuthoringRefusalKind.Conflict, $"connector '{key}' has connections ({string.Join(", ", users)}); its key is fixed while they exist");
        }
        var result = await WriteAsync(package, folder =>
        {
            WriteManifest(folder, Order(manifest));
            EnsureAuthFlows(folder, manifest, "/", Scaffolds.DefaultRevokePath);
        }, created: false, ct);
        if (newKey != key && installer.IsInstalledHere(key) && Find(newKey!) is not null)
            await installer.UninstallAsync(key, ct);
        return result;
    }, ct);

    /// <summary>Adds or replaces a flow; one that removes or retypes inputs flows set is refused unless <paramref name="confirm"/>.</summary>
    public Task<AuthoringResult> SaveFlowAsync(string key, string flowId, JsonObject body, bool confirm, CancellationToken ct) => GatedAsync(async () =>
    {
        if (Find(key) is not { } package) return NotInstalled(key);
        if (FlowIdRefusal(flowId) is { } badName) return badName;
        var file = FileOf(flowId);
        body["id"] ??= flowId;
        if (Str(body["id"]) != flowId)
            return AuthoringResult.Refused(AuthoringRefusalKind.Invalid, $"the body's id '{body["id"]?.ToJsonString()}' does not match the URL's '{flowId}'",
                [new FormatProblem(file, "$.id", "FLOW_ID_MISMATCH", $"must be '{flowId}'")]);
        body["format"] ??= FlowDefinition.CurrentFormat;
        var load = FlowJson.Load(body.ToJsonString());
        if (load.Flow is not { } flow || load.HasErrors)
            return AuthoringResult.Refused(AuthoringRefusalKind.Invalid, $"{file} is not a valid flow", load.Problems.Where(p => p.IsError)
                .Select(p => new FormatProblem(file, p.Path, "FLOW_INVALID", $"{p.Code}: {p.Message}")).ToList());
        var existed = package.FindFlow(flowId) is not null;
        // Removing or retyping an input that flows set breaks them: say which before anything changes; confirm saves anyway.
        if (!confirm && await CardUsage.FindAsync(flows, package, flowId, flow, ct) is { Count: > 0 } usages)
            return new AuthoringResult(null, false, [], new AuthoringRefusal(AuthoringRefusalKind.InputsInUse,
                $"{usages.Select(u => u.FlowId).Distinct().Count()} flow(s) set inputs this change removes or retypes ({string.Join(", ", usages.Select(u => u.Input).Distinct())}); " +
                "save with ?confirm=true to change it anyway", Usages: usages));
        return await WriteAsync(package, folder => WriteFlow(folder, flow), created: !existed, ct);
    }, ct);

    /// <summary>Removes a flow (and its card).</summary>
    public Task<AuthoringResult> DeleteFlowAsync(string key, string flowId, CancellationToken ct) => GatedAsync(async () =>
    {
        if (Find(key) is not { } package) return NotInstalled(key);
        if (package.FindFlow(flowId) is null) return AuthoringResult.Refused(AuthoringRefusalKind.NotFound, $"connector '{key}' has no flow '{flowId}'");
        return await WriteAsync(package, folder => File.Delete(Path.Combine(folder, FileOf(flowId))), created: false, ct);
    }, ct);

    /// <summary>The refusal of a flow name that cannot be a file of the connector's flows folder; null when it can.</summary>
    public static AuthoringResult? FlowIdRefusal(string flowId) => FlowIdPattern().IsMatch(flowId)
        ? null
        : AuthoringResult.Refused(AuthoringRefusalKind.Invalid, $"flow name '{flowId}' must start with a letter or '_' and hold letters, digits, '_' or '-'",
            [new FormatProblem(FileOf(flowId), "$.id", "FLOW_INVALID_NAME", "letters, digits, '_' or '-'")]);

    private async Task<AuthoringResult> GatedAsync(Func<Task<AuthoringResult>> write, CancellationToken ct)
    {
        await writeGate.WaitAsync(ct);
        try { return await write(); }
        finally { writeGate.Release(); }
    }

    private static AuthoringResult NotInstalled(string key) => AuthoringResult.Refused(AuthoringRefusalKind.NotFound, $"connector '{key}' is not installed");

    private static AuthoringResult InvalidKey(string? key) => AuthoringResult.Refused(AuthoringRefusalKind.Invalid,
        $"key '{key}' must be 2–40 lower-case letters, digits or '-', starting with a letter or digit",
        [new FormatProblem(ManifestReader.FileName, "$.key", "MANIFEST_INVALID_KEY", "2–40 lower-case letters, digits or '-'")]);

    /// <summary>
    /// Copies the connector (or nothing, for a new one) into a staging folder, applies <paramref name="edit"/>,
    /// validates and installs. The staging folder is always removed.
    /// </summary>
    private async Task<AuthoringResult> WriteAsync(ConnectorPackage? current, Action<string> edit, bool created, CancellationToken ct)
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
                return AuthoringResult.Refused(AuthoringRefusalKind.Invalid,
                    $"the connector does not validate ({errors.Count} problem{(errors.Count == 1 ? "" : "s")}): {errors.FirstOrDefault()}", errors);
            }
            return new AuthoringResult(result.Package!, created, [.. result.Problems.Where(p => !p.IsError)], null);
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

    /// <summary>A JSON string's value; null for anything else (a number where text belongs is reported by validation, not thrown).</summary>
    internal static string? Str(JsonNode? node) => node is JsonValue v && v.TryGetValue(out string? text) ? text : null;
}
