using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Manifest;

/// <summary>A connector folder read into memory: manifest, flows with their cards, test fixtures.</summary>
public sealed partial class ConnectorPackage
{
    /// <summary>The import flow of a connector made from a data-collection template (FlowConnectors.Collection compiles it).</summary>
    public const string CollectUsersFlow = "collectUsers";

    public const string HttpHelper = "httpHelper";
    public const string AuthPing = "_authping";
    public const string Revoke = "_revoke";

    private static readonly HashSet<string> ReservedNames = new(StringComparer.Ordinal) { HttpHelper, AuthPing, Revoke };

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$")] private static partial Regex FlowNamePattern();

    private ConnectorPackage(string directory, ConnectorManifest manifest, IReadOnlyDictionary<string, ConnectorFlow> flows, IReadOnlyList<string> fixtureFiles)
    {
        Directory = directory;
        Manifest = manifest;
        Flows = flows;
        FixtureFiles = fixtureFiles;
    }

    public string Directory { get; }
    public ConnectorManifest Manifest { get; }
    public IReadOnlyDictionary<string, ConnectorFlow> Flows { get; }
    /// <summary>Paths of <c>tests/*.json</c>, sorted.</summary>
    public IReadOnlyList<string> FixtureFiles { get; }

    public ConnectorFlow? FindFlow(string id) => Flows.GetValueOrDefault(id);

    /// <summary>A provider CallFlow uses inside this connector.</summary>
    public IFlowProvider FlowProvider => new InMemoryFlowProvider(Flows.Values.Select(f => f.Definition));

    public static bool IsConnectorFolder(string path) => File.Exists(Path.Combine(path, ManifestReader.FileName));

    /// <summary>
    /// Reads a folder and runs deploy validation: every problem, with file, JSON path and code.
    /// The package is null when any error was found.
    /// </summary>
    public static (ConnectorPackage? Package, List<FormatProblem> Problems) Load(string directory, FlowEngine engine)
    {
        var problems = new List<FormatProblem>();
        var manifestPath = Path.Combine(directory, ManifestReader.FileName);
        ConnectorManifest? manifest = null;
        if (!File.Exists(manifestPath))
            problems.Add(new(ManifestReader.FileName, "$", "MANIFEST_MISSING", $"no {ManifestReader.FileName} in {directory}"));
        else
        {
            var (read, manifestProblems) = ManifestReader.Read(File.ReadAllText(manifestPath));
            manifest = read;
            problems.AddRange(manifestProblems);
        }

        var flows = new Dictionary<string, ConnectorFlow>(StringComparer.Ordinal);
        var flowDir = Path.Combine(directory, "flows");
        var files = System.IO.Directory.Exists(flowDir)
            ? System.IO.Directory.GetFiles(flowDir, "*.flow.json").OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [];
        foreach (var file in files)
        {
            var relative = Path.GetRelativePath(directory, file).Replace('\\', '/');
            var load = FlowJson.LoadFile(file);
            foreach (var p in load.Problems)
                problems.Add(new(relative, p.Path, p.IsError ? "FLOW_INVALID" : "FLOW_WARNING", $"{p.Code}: {p.Message}", p.Severity));
            if (load.Flow is not { } definition) continue;
            var expectedId = Path.GetFileName(file)[..^".flow.json".Length];
            if (definition.Id != expectedId)
                problems.Add(new(relative, "$.id", "FLOW_ID_MISMATCH", $"flow id '{definition.Id}' must match its file name '{expectedId}'"));
            if (!FlowNamePattern().IsMatch(definition.Id))
                problems.Add(new(relative, "$.id", "FLOW_INVALID_NAME", $"flow name '{definition.Id}' must start with a letter or '_' and hold letters, digits, '_' or '-'"));
            else if (definition.Id.StartsWith('_') && !ReservedNames.Contains(definition.Id) && definition.Id != manifest?.Auth.Flow)
                problems.Add(new(relative, "$.id", "FLOW_RESERVED_NAME", $"names starting with '_' are reserved ({AuthPing}, {Revoke}, the custom auth flow); '{definition.Id}' is not one of them"));
            if (flows.ContainsKey(definition.Id))
            {
                var code = definition.Id == AuthPing ? "AUTHPING_DUPLICATE" : definition.Id == Revoke ? "REVOKE_DUPLICATE" : "FLOW_DUPLICATE_NAME";
                problems.Add(new(relative, "$.id", code, $"another flow is already named '{definition.Id}'"));
                continue;
            }
            CardDefinition? card = null;
            if (definition.Extensions.TryGetValue("card", out var cardNode))
                card = CardReader.Read(cardNode, relative, problems);
            foreach (var p in engine.Validate(definition))
                problems.Add(new(relative, p.Path, p.IsError ? "FLOW_INVALID" : "FLOW_WARNING", $"{p.Code}: {p.Message}", p.Severity));
            flows[definition.Id] = new ConnectorFlow(definition, card, relative);
        }

        CheckStandardFlows(manifest, flows, problems);
        CheckCards(flows, problems);
        CheckDeployRules(flows, problems);
        CheckCallTargets(flows, problems);

        var fixtureDir = Path.Combine(directory, "tests");
        var fixtures = System.IO.Directory.Exists(fixtureDir)
            ? System.IO.Directory.GetFiles(fixtureDir, "*.json").OrderBy(f => f, StringComparer.Ordinal).ToList()
            : [];
        if (problems.Any(p => p.IsError) || manifest is null) return (null, problems);
        return (new ConnectorPackage(Path.GetFullPath(directory), manifest, flows, fixtures), problems);
    }

    private static void CheckStandardFlows(ConnectorManifest? manifest, Dictionary<string, ConnectorFlow> flows, List<FormatProblem> problems)
    {
        if (!flows.TryGetValue(HttpHelper, out var helper))
            problems.Add(new("flows/", "$", "HTTPHELPER_MISSING", $"every connector needs flows/{HttpHelper}.flow.json"));
        else
        {
            var inputs = helper.Definition.Inputs.Select(i => i.Name).ToHashSet();
            var outputs = helper.Definition.Outputs.Select(o => o.Name).ToHashSet();
            string[] needIn = ["relative_url", "request_method", "query", "headers", "body"];
            string[] needOut = ["status_code", "headers", "body"];
            // Okta's five inputs, plus an optional 'auth' (which of the connection's auths a request carries: a
            // Postman noauth request sends none, a folder's basic auth its own).
            var extra = inputs.Except(needIn).ToList();
            if (!needIn.All(inputs.Contains) || extra.Any(i => i != "auth"))
                problems.Add(new(helper.File, "$.inputs", "HTTPHELPER_SIGNATURE", $"{HttpHelper} must take exactly the inputs {string.Join(", ", needIn)} (and optionally auth)"));
            else if (helper.Definition.Inputs.FirstOrDefault(i => i.Name == "auth") is { Required: true })
                problems.Add(new(helper.File, "$.inputs", "HTTPHELPER_SIGNATURE", "auth must be optional (empty: the connector's own auth)"));
            if (!needOut.All(outputs.Contains) || outputs.Count != needOut.Length)
                problems.Add(new(helper.File, "$.outputs", "HTTPHELPER_SIGNATURE", $"{HttpHelper} must return exactly the outputs {string.Join(", ", needOut)}"));
            if (helper.Definition.Inputs.FirstOrDefault(i => i.Name == "relative_url") is { Required: false })
                problems.Add(new(helper.File, "$.inputs", "HTTPHELPER_SIGNATURE", "relative_url must be required"));
        }
        if (!flows.TryGetValue(AuthPing, out var ping))
        {
            if (manifest is not null && manifest.Auth.Kind != AuthKind.None)
                problems.Add(new("flows/", "$", "AUTHPING_MISSING", $"auth kind '{AuthSettings.WireName(manifest.Auth.Kind)}' needs flows/{AuthPing}.flow.json to test connections"));
        }
        else if (ping.Definition.Inputs.Count > 0)
            problems.Add(new(ping.File, "$.inputs", "AUTHPING_SIGNATURE", $"{AuthPing} takes no inputs"));
        if (flows.TryGetValue(Revoke, out var revoke))
        {
            if (revoke.Definition.Inputs.Count > 0)
                problems.Add(new(revoke.File, "$.inputs", "REVOKE_SIGNATURE", $"{Revoke} takes no inputs"));
            if (manifest is not null && !manifest.Auth.IsTokenBased)
                problems.Add(new(revoke.File, "$", "REVOKE_NOT_TOKEN_AUTH", $"{Revoke} applies to token-based auth only, not '{AuthSettings.WireName(manifest.Auth.Kind)}'"));
        }
        foreach (var reserved in new[] { HttpHelper, AuthPing, Revoke })
            if (flows.TryGetValue(reserved, out var flow) && flow.Card is not null)
                problems.Add(new(flow.File, "$.card", "FLOW_RESERVED_NAME", $"{reserved} is a standard flow and cannot be a card"));
        if (manifest is { Auth.Kind: AuthKind.Custom } && !flows.ContainsKey(manifest.Auth.Flow))
            problems.Add(new(ManifestReader.FileName, "$.auth.flow", "CUSTOM_AUTH_FLOW_MISSING", $"custom auth names flow '{manifest.Auth.Flow}', which does not exist"));
    }

    private static void CheckCards(Dictionary<string, ConnectorFlow> flows, List<FormatProblem> problems)
    {
        foreach (var flow in flows.Values)
        {
            if (flow.Card is not { } card) continue;
            var inputs = flow.Definition.Inputs.Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
            var outputs = flow.Definition.Outputs.Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
            for (var i = 0; i < card.Options.Count; i++)
                if (!inputs.Contains(card.Options[i]))
                    problems.Add(new(flow.File, $"$.card.options[{i}]", "CARD_UNKNOWN_FIELD", $"option '{card.Options[i]}' is not an input of the flow"));
            foreach (var (name, field) in card.Fields)
            {
                var path = JsonPath.Property("$.card.fields", name);
                if (!inputs.Contains(name))
                    problems.Add(new(flow.File, path, "CARD_UNKNOWN_FIELD", $"field '{name}' is not an input of the flow"));
                if (field.Dropdown is { } dropdown) CheckSource(dropdown, JsonPath.Property(path, "dropdown"));
            }
            if (card.DynamicInputs is { } dynamic) CheckSource(dynamic, "$.card.dynamicInputs");
            if (card.Kind == CardKind.Event)
            {
                if (card.Registration is null || !flows.ContainsKey(card.Registration))
                    problems.Add(new(flow.File, "$.card.registration", "CARD_UNKNOWN_FLOW", $"event card needs a registration flow; '{card.Registration}' does not exist"));
                if (card.Deregistration is null || !flows.ContainsKey(card.Deregistration))
                    problems.Add(new(flow.File, "$.card.deregistration", "CARD_UNKNOWN_FLOW", $"event card needs a deregistration flow; '{card.Deregistration}' does not exist"));
                if (card.Registration is { } reg && flows.TryGetValue(reg, out var registration) && !registration.Definition.Inputs.Exists(i => i.Name == "eventUrl"))
                    problems.Add(new(registration.File, "$.inputs", "CARD_REGISTRATION_SIGNATURE", "a registration flow must take the input 'eventUrl'"));
                if (card.Deregistration is { } dereg && flows.TryGetValue(dereg, out var deregistration) && !deregistration.Definition.Inputs.Exists(i => i.Name == "registration"))
                    problems.Add(new(deregistration.File, "$.inputs", "CARD_REGISTRATION_SIGNATURE", "a deregistration flow must take the input 'registration'"));
            }
            if (card.Kind == CardKind.Polling && (!inputs.Contains("cursor") || !outputs.Contains("cursor") || !outputs.Contains("items")))
                problems.Add(new(flow.File, "$", "CARD_POLLING_SIGNATURE", "a polling card's flow takes 'cursor' and returns 'items' and 'cursor'"));

            void CheckSource(DynamicSource source, string path)
            {
                if (!flows.TryGetValue(source.Flow, out var helper))
                    problems.Add(new(flow.File, JsonPath.Property(path, "flow"), "CARD_UNKNOWN_FLOW", $"helper flow '{source.Flow}' does not exist"));
                foreach (var dependency in source.DependsOn)
                {
                    if (!inputs.Contains(dependency))
                        problems.Add(new(flow.File, JsonPath.Property(path, "dependsOn"), "CARD_UNKNOWN_FIELD", $"'{dependency}' is not an input or option of the flow"));
                    // The helper is run with the dependsOn values as its inputs: one it does not declare would fail every call.
                    else if (helper is not null && !helper.Definition.Inputs.Exists(i => i.Name == dependency))
                        problems.Add(new(flow.File, JsonPath.Property(path, "dependsOn"), "CARD_DEPENDS_ON_UNDECLARED",
                            $"helper flow '{source.Flow}' does not declare the input '{dependency}' that dependsOn passes to it"));
                }
                if (helper is not null)
                    foreach (var required in helper.Definition.Inputs.Where(i => i.Required && i.Default is null && !source.DependsOn.Contains(i.Name)))
                        problems.Add(new(flow.File, JsonPath.Property(path, "dependsOn"), "CARD_DEPENDS_ON_MISSING",
                            $"helper flow '{source.Flow}' requires the input '{required.Name}', which dependsOn does not pass"));
            }
        }
    }

    /// <summary>Characters Okta's deploy refuses in flow and card names (003H), besides control characters.</summary>
    public static readonly char[] ProhibitedNameCharacters = ['<', '>', '\\', '|'];

    /// <summary>
    /// Okta's deploy checks beyond ids: flow display names are unique (001H), names hold no prohibited
    /// characters (003H), and a connector keeps at least one action card.
    /// </summary>
    private static void CheckDeployRules(Dictionary<string, ConnectorFlow> flows, List<FormatProblem> problems)
    {
        foreach (var group in flows.Values.Where(f => !string.IsNullOrWhiteSpace(f.Definition.Name))
                     .GroupBy(f => f.Definition.Name!.Trim(), StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1))
            foreach (var duplicate in group.Skip(1))
                problems.Add(new(duplicate.File, "$.name", "FLOW_DUPLICATE_DISPLAY_NAME",
                    $"flow name '{group.Key}' is also the name of {string.Join(", ", group.Where(f => f != duplicate).Select(f => f.Definition.Id))}; flow names must be unique (Okta 001H)"));
        foreach (var flow in flows.Values)
        {
            foreach (var (path, name) in new[] { ("$.name", flow.Definition.Name), ("$.card.label", flow.Card?.Label) })
                if (name is not null && name.FirstOrDefault(c => char.IsControl(c) || ProhibitedNameCharacters.Contains(c)) is var bad and not '\0')
                    problems.Add(new(flow.File, path, "FLOW_NAME_CHARACTERS",
                        $"'{name.Replace("\n", " ")}' holds {(char.IsControl(bad) ? $"the control character U+{(int)bad:X4}" : $"'{bad}'")}, which names must not hold (Okta 003H: no {string.Join(" ", ProhibitedNameCharacters)} or control characters)"));
        }
        // A warning, not an error: a connector that only serves data collection, or a test fixture with just its
        // standard flows, still loads; a catalog maintainer (and Okta's deploy) sees it flagged.
        if (flows.Count > 0 && !flows.Values.Any(f => f.Card is { Kind: CardKind.Action })
            && !flows.Values.Any(f => f.Definition.Id == CollectUsersFlow))
            problems.Add(new("flows/", "$", "CONNECTOR_NO_ACTION_CARD",
                "the connector has no action card left; a connector people use in flows needs at least one (the Custom API Action counts)", ProblemSeverity.Warning));
    }

    private static void CheckCallTargets(Dictionary<string, ConnectorFlow> flows, List<FormatProblem> problems)
    {
        foreach (var flow in flows.Values)
            for (var i = 0; i < flow.Definition.Nodes.Count; i++)
            {
                var node = flow.Definition.Nodes[i];
                if (node.Type == "CallFlow" && node.Inputs.TryGetValue("flowId", out var target) && target is JsonValue v &&
                    v.TryGetValue(out string? id) && !flows.ContainsKey(id))
                    problems.Add(new(flow.File, $"$.nodes[{i}].inputs.flowId", "FLOW_UNKNOWN_CALL", $"node '{node.Id}' calls flow '{id}', which this connector does not have"));
            }
    }
}

/// <summary>A flow of a connector, with its card when it has one.</summary>
public sealed record ConnectorFlow(FlowDefinition Definition, CardDefinition? Card, string File);
