using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Import.Postman;

/// <summary>
/// Maps a Postman Collection (v2.1 or v2.0) to a connector: each request becomes an action flow that
/// calls the connector's httpHelper, folders become card groups, variables become connection
/// parameters (base URL, credentials) or action inputs, the collection's auth suggests the connector's
/// auth kind, and saved example responses become the card's outputs and an offline fixture.
/// </summary>
public static partial class PostmanImporter
{
    private static readonly HashSet<string> ReservedFlowIds = new(StringComparer.OrdinalIgnoreCase) { "httpHelper", "customApiAction", "_authping", "_revoke" };
    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive", "date", "server",
    };

    /// <summary>Reads and maps a collection. Throws <see cref="PostmanImportException"/> when it cannot be imported at all.</summary>
    public static ImportedConnector Import(string collectionJson, string? name = null, IReadOnlyList<string>? environments = null)
    {
        var collection = PostmanCollection.Parse(collectionJson);
        var warnings = new List<ImportMessage>();
        var requests = new List<(PostmanItem Item, List<PostmanItem> Folders)>();
        Walk(collection.Root, [], requests, warnings);
        if (requests.Count == 0) throw new PostmanImportException("$.item", "the collection holds no requests");

        var connectorName = string.IsNullOrWhiteSpace(name) ? collection.Name : name.Trim();
        var key = FlowConnectors.Connectors.Manifest.ManifestReader.KeyFrom(PostmanTemplate.Transliterate(connectorName));
        if (key.Length < 2)
            throw new PostmanImportException(string.IsNullOrWhiteSpace(name) ? "$.info.name" : "name",
                $"'{connectorName}' gives no usable connector key (2–40 lower-case letters, digits or '-'); pass a name");

        var collectionScope = Scope(collection.Root, [], null);

        // Auth: the collection's, else the one most requests use, is the connector's own (what _authping
        // tests). Every other auth a request inherits becomes an additional auth with its own connection
        // parameters, and a noauth request sends no credentials: Postman's inheritance is kept, not flattened.
        var effective = requests.Select(r => EffectiveAuth(r.Item, r.Folders, collection.Root)).ToList();
        var source = collection.Root.Auth is { Type: not ("noauth" or "inherit") } rootAuth ? rootAuth
            : effective.Where(a => a is not null && a.Type != "noauth").GroupBy(a => a!.Path).OrderByDescending(g => g.Count()).Select(g => g.First()).FirstOrDefault();
        var auth = source is null ? PostmanAuthMapper.None() : PostmanAuthMapper.Map(source, collectionScope, warnings);

        // Base URL: the origin most requests share; a whole-URL variable ({{baseUrl}}) is a connection parameter.
        var bases = requests.Select(r => BaseTemplate(r.Item.Request!.Url)).ToList();
        var baseTemplate = bases.GroupBy(b => b).OrderByDescending(g => g.Count()).First().Key;
        var connectionParameters = new List<ImportedParameter>();
        var baseUrl = BaseUrl(baseTemplate, collectionScope, connectionParameters, requests[bases.IndexOf(baseTemplate)].Item.Request!.Path, out var baseUrlParameter);
        foreach (var p in auth.Parameters)
            if (connectionParameters.All(c => c.Name != p.Name)) connectionParameters.Add(p);

        var additional = new Dictionary<string, MappedAuth>(StringComparer.Ordinal);
        var authOf = new string?[requests.Count];
        var credentialVariables = new HashSet<string>(auth.CredentialVariables, StringComparer.Ordinal);
        var mappedAt = new Dictionary<string, string?>(StringComparer.Ordinal);
        for (var i = 0; i < requests.Count; i++)
        {
            var used = effective[i];
            if (used is null || used.Type == "noauth")
            {
                if (auth.Kind != "none") authOf[i] = Http.ConnectionAuth.None;
                continue;
            }
            if (source is not null && used.Path == source.Path) continue;
            if (mappedAt.TryGetValue(used.Path, out var known)) { authOf[i] = known; continue; }
            if (!PostmanAuthMapper.Supported.Contains(used.Type))
            {
                warnings.Add(new(used.Path, $"auth type '{used.Type}' is not supported (basic, bearer, apikey and oauth2 are); the actions under it send the connector's auth ({auth.Kind})"));
                mappedAt[used.Path] = null;
                continue;
            }
            var authName = AuthName(used, requests[i], additional.Keys);
            var mapped = PostmanAuthMapper.Map(used, Scope(requests[i].Item, requests[i].Folders, collection.Root), warnings, authName);
            string? chosen = null;
            if (JsonNode.DeepEquals(mapped.Manifest, auth.Manifest)) { } // the same credentials as the connector's own
            else if (additional.FirstOrDefault(a => JsonNode.DeepEquals(a.Value.Manifest, mapped.Manifest)) is { Value: not null } same) chosen = same.Key;
            else if (mapped.Kind is not ("basic" or "apiKey"))
                warnings.Add(new(used.Path, $"'{used.Type}' auth maps to {mapped.Kind}, which only the connector's own auth can be; the actions under it send the connector's auth ({auth.Kind})"));
            else
            {
                additional[authName] = mapped;
                chosen = authName;
                credentialVariables.UnionWith(mapped.CredentialVariables);
                foreach (var p in mapped.Parameters)
                    if (connectionParameters.All(c => c.Name != p.Name)) connectionParameters.Add(p);
            }
            mappedAt[used.Path] = chosen;
            authOf[i] = chosen;
        }
        var baseVariables = PostmanTemplate.Variables(baseTemplate).ToHashSet(StringComparer.Ordinal);

        var flows = new SortedDictionary<string, FlowDefinition>(StringComparer.Ordinal);
        var fixtures = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var actions = new List<ImportedAction>();
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        SecretVariables(collection.Root, secrets);
        var context = new ActionContext(auth, credentialVariables, baseVariables, secrets, warnings, Uri.TryCreate(ExpandForFixture(baseUrl, connectionParameters), UriKind.Absolute, out var b) ? b.AbsolutePath.TrimEnd('/') : "");
        for (var i = 0; i < requests.Count; i++)
        {
            var (item, folders) = requests[i];
            if (bases[i] != baseTemplate)
            {
                warnings.Add(new(item.Request!.Path + ".url", $"'{item.Name}' calls {Display(bases[i])}, not the connector's base URL {Display(baseTemplate)}; it is not imported"));
                continue;
            }
            var id = UniqueId(PostmanTemplate.Identifier(item.Name, "request"), flows.Keys);
            var actionAuth = authOf[i] is { } chosen ? (chosen == Http.ConnectionAuth.None ? null : additional[chosen]) : auth;
            var action = ActionBuilder.Build(id, item, folders, Scope(item, folders, collection.Root), context, authOf[i], actionAuth);
            flows[id] = action.Flow;
            actions.Add(action.Summary);
            if (auth.Kind == "oauth2AuthorizationCode" && action.Fixtures.Count > 0)
            {
                warnings.Add(new(item.Path + ".response", "saved examples became outputs but no offline fixtures: an authorization-code connection needs a signed-in user (record them with 'flowc test --record')"));
                continue;
            }
            for (var e = 0; e < action.Fixtures.Count; e++)
                fixtures[action.Fixtures.Count == 1 ? id : $"{id}-{e + 1}"] = WithConnection(action.Fixtures[e], connectionParameters, auth);
        }
        flows["httpHelper"] = StandardFlows.HttpHelper(baseUrl);
        PostmanTemplate.UniqueNames(actions.Select(a => flows[a.Id]));
        flows["customApiAction"] = StandardFlows.CustomApiAction(auth.Kind == "none" ? [] : ["connection", .. additional.Keys, Http.ConnectionAuth.None]);
        // Test connection with a GET that carries the connector's own auth.
        if (auth.Kind != "none") flows["_authping"] = StandardFlows.AuthPing(flows.Values.FirstOrDefault(f => actions.Any(a => a.Id == f.Id && a.Method == "GET" && a.Auth is null) && f.Inputs.All(i => !i.Required)), actions);

        var manifest = new JsonObject
        {
            ["key"] = key,
            ["name"] = connectorName,
            ["version"] = "1.0.0",
            ["description"] = Truncate(collection.Description ?? $"Imported from the Postman collection '{collection.Name}'.", 500),
            ["baseUrl"] = baseUrl,
        };
        if (baseUrlParameter is not null) manifest["baseUrlParameter"] = baseUrlParameter;
        manifest["auth"] = auth.Manifest;
        if (additional.Count > 0)
            manifest["additionalAuth"] = new JsonObject(additional.Select(a => KeyValuePair.Create(a.Key, (JsonNode?)a.Value.Manifest)));
        manifest["connectionParameters"] = new JsonArray(connectionParameters.Select(Parameter).ToArray<JsonNode?>());
        var presets = Presets(environments ?? [], connectionParameters, warnings);
        if (presets.Count > 0)
            manifest["connectionPresets"] = new JsonArray(presets.Select(p => (JsonNode?)new JsonObject
            {
                ["name"] = p.Name,
                ["values"] = new JsonObject(p.Values.Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))),
            }).ToArray());
        return new ImportedConnector
        {
            Key = key,
            Name = connectorName,
            AuthKind = auth.Kind,
            BaseUrl = baseUrl,
            ConnectionParameters = connectionParameters,
            Actions = actions,
            Warnings = warnings,
            Manifest = manifest,
            Flows = flows,
            Fixtures = fixtures,
            Presets = presets,
            AdditionalAuth = additional.Keys.ToList(),
        };
    }

    /// <summary>A name for a request's own auth: where it is set and its kind (adminBasic, requestApikey).</summary>
    private static string AuthName(PostmanAuth used, (PostmanItem Item, List<PostmanItem> Folders) request, IEnumerable<string> taken)
    {
        var owner = request.Item.Request!.Auth?.Path == used.Path ? request.Item : request.Folders.LastOrDefault(f => f.Auth?.Path == used.Path);
        var name = PostmanTemplate.Identifier((owner?.Name ?? "collection") + " " + used.Type, "auth");
        name = char.ToLowerInvariant(name[0]) + name[1..];
        if (name.Length > 40) name = name[..40];
        if (FlowConnectors.Connectors.Manifest.ManifestReader.ReservedAuthNames.Contains(name) || name[0] == '_') name = "auth" + char.ToUpperInvariant(name[0]) + name[1..];
        var unique = name;
        for (var n = 2; taken.Contains(unique); n++) unique = name + n;
        return unique;
    }

    /// <summary>
    /// Each Postman environment (<c>*.postman_environment.json</c>) becomes a connection preset holding the
    /// values of the connection parameters its variables fill; secret variables and secret-looking values stay out.
    /// </summary>
    private static List<ImportedPreset> Presets(IReadOnlyList<string> environments, List<ImportedParameter> parameters, List<ImportMessage> warnings)
    {
        var presets = new List<ImportedPreset>();
        for (var e = 0; e < environments.Count; e++)
        {
            var environment = PostmanEnvironment.Parse(environments[e], $"environment[{e}]");
            var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var variable in environment.Values)
            {
                if (variable.Disabled || variable.Value is null) continue;
                var parameter = parameters.FirstOrDefault(p => p.Variable == variable.Key);
                if (parameter is null) continue;
                if (parameter.Type == "password" || variable.Type == "secret" || FlowConnectors.Catalog.SecretScanner.LooksLikeSecret(variable.Key, variable.Value))
                {
                    warnings.Add(new(variable.Path, $"environment '{environment.Name}': the value of {{{{{variable.Key}}}}} is a credential; it is not copied into the preset — enter it in the connection"));
                    continue;
                }
                values[parameter.Name] = variable.Value;
            }
            var name = environment.Name;
            for (var n = 2; presets.Any(p => p.Name == name); n++) name = $"{environment.Name} ({n})";
            presets.Add(new ImportedPreset(name, values));
        }
        return presets;
    }

    private static void Walk(PostmanItem item, List<PostmanItem> folders, List<(PostmanItem, List<PostmanItem>)> requests, List<ImportMessage> warnings)
    {
        foreach (var (listen, path) in item.Scripts)
            warnings.Add(new(path, listen switch
            {
                "prerequest" => "pre-request script not imported (scripts do not run in connectors; move its logic into the flow)",
                "test" => "test script not imported (scripts do not run in connectors)",
                _ => $"'{listen}' script not imported",
            }));
        if (!item.IsFolder)
        {
            requests.Add((item, folders));
            return;
        }
        var inner = item.Path.Length == 0 ? folders : [.. folders, item];
        foreach (var child in item.Items) Walk(child, inner, requests, warnings);
    }

    /// <summary>Collection variables, then each enclosing folder's, then the request's own: the innermost wins.</summary>
    private static Dictionary<string, string> Scope(PostmanItem item, List<PostmanItem> folders, PostmanItem? root)
    {
        var scope = new Dictionary<string, string>(StringComparer.Ordinal);
        IEnumerable<PostmanItem> chain = root is null ? [item] : [root, .. folders, item];
        foreach (var level in chain)
            foreach (var v in level.Variables)
            {
                // A "secret" variable's value never leaves the collection.
                if (v.Type == "secret") scope.Remove(v.Key);
                else if (!v.Disabled && v.Value is not null) scope[v.Key] = v.Value;
            }
        return scope;
    }

    private static void SecretVariables(PostmanItem item, HashSet<string> names)
    {
        foreach (var v in item.Variables)
            if (v.Type == "secret") names.Add(v.Key);
        foreach (var child in item.Items) SecretVariables(child, names);
    }

    private static PostmanAuth? EffectiveAuth(PostmanItem item, List<PostmanItem> folders, PostmanItem root)
    {
        IEnumerable<PostmanAuth?> chain = [item.Request!.Auth, .. Enumerable.Reverse(folders).Select(f => f.Auth), root.Auth];
        foreach (var auth in chain)
        {
            if (auth is null || auth.Type == "inherit") continue;
            return auth;
        }
        return null;
    }

    internal static string BaseTemplate(PostmanUrl url) =>
        (url.Protocol is null ? "" : url.Protocol + "://") + url.Host + (string.IsNullOrEmpty(url.Port) ? "" : ":" + url.Port);

    private static string Display(string template) => template.Length == 0 ? "(no host)" : template;

    /// <summary>
    /// A whole-URL variable ({{baseUrl}}) gives its value; variables inside a host
    /// (https://{{tenant}}.example.com) become connection parameters.
    /// </summary>
    private static string BaseUrl(string template, Dictionary<string, string> scope, List<ImportedParameter> parameters, string path, out string? baseUrlParameter)
    {
        baseUrlParameter = null;
        if (PostmanTemplate.IsSingleVariable(template, out var variable))
        {
            var value = PostmanTemplate.Resolve(scope.GetValueOrDefault(variable) ?? "", scope).Trim();
            if (value.Length > 0 && !value.Contains("://", StringComparison.Ordinal)) value = "http://" + value;
            if (!FlowConnectors.Connectors.Manifest.ManifestReader.IsHttpUrl(value) || PostmanTemplate.Variables(value).Any())
                throw new PostmanImportException(path + ".url", $"the base URL variable {{{{{variable}}}}} has no absolute http(s) URL as its value in the collection's variables; give it one (e.g. https://api.example.com)");
            // A connection parameter with the collection's value as its default: switching environments is a
            // connection setting (or a preset), not an edit of the connector.
            value = value.TrimEnd('/');
            var name = PostmanTemplate.Identifier(variable, "baseUrl");
            parameters.Add(new ImportedParameter(name, "text", value, path + ".url", variable, Required: false));
            baseUrlParameter = name;
            return value;
        }
        var withProtocol = template.Contains("://", StringComparison.Ordinal) ? template : "http://" + template;
        var result = Regex.Replace(withProtocol, @"\{\{([^{}]+)\}\}", m =>
        {
            var name = PostmanTemplate.Identifier(m.Groups[1].Value.Trim(), "host");
            if (parameters.All(p => p.Name != name))
                parameters.Add(new ImportedParameter(name, "text", scope.GetValueOrDefault(m.Groups[1].Value.Trim()), path + ".url", m.Groups[1].Value.Trim()));
            return $"{{{{connection.{name}}}}}";
        });
        if (!FlowConnectors.Connectors.Manifest.ManifestReader.IsHttpUrl(Regex.Replace(result, @"\{\{connection\.[A-Za-z0-9_]+\}\}", "x")))
            throw new PostmanImportException(path + ".url", $"'{template}' is not a usable base URL (an http or https host)");
        return result;
    }

    internal static string ExpandForFixture(string baseUrl, IEnumerable<ImportedParameter> parameters) =>
        Regex.Replace(baseUrl, @"\{\{connection\.([A-Za-z0-9_]+)\}\}", m =>
            Uri.EscapeDataString(parameters.FirstOrDefault(p => p.Name == m.Groups[1].Value)?.Default ?? "x"));


    private static string UniqueId(string candidate, IEnumerable<string> taken)
    {
        var id = char.ToLowerInvariant(candidate[0]) + candidate[1..];
        if (id[0] == '_') id = "request" + id;
        var used = taken.ToHashSet(StringComparer.OrdinalIgnoreCase);
        var unique = id;
        for (var n = 2; used.Contains(unique) || ReservedFlowIds.Contains(unique); n++) unique = id + n;
        return unique;
    }

    private static JsonObject WithConnection(JsonObject fixture, List<ImportedParameter> parameters, MappedAuth auth)
    {
        if (auth.Kind == "oauth2ClientCredentials" && Uri.TryCreate((string?)auth.Manifest["tokenUrl"], UriKind.Absolute, out var tokenUrl))
        {
            // The connector fetches a token first; the stub answers it like the provider would.
            var token = new JsonObject
            {
                ["request"] = new JsonObject { ["method"] = "POST", ["path"] = tokenUrl.AbsolutePath, ["query"] = new JsonObject(), ["headers"] = new JsonObject() },
                ["response"] = new JsonObject
                {
                    ["status"] = 200,
                    ["headers"] = new JsonObject { ["content-type"] = "application/json" },
                    ["body"] = new JsonObject { ["access_token"] = "test-access-token-not-real", ["token_type"] = "Bearer", ["expires_in"] = 3600 },
                },
            };
            fixture["exchanges"]!.AsArray().Insert(0, token);
        }
        var connection = new JsonObject();
        foreach (var p in parameters)
            connection[p.Name] = p.Type == "password" ? $"test-{p.Name}-not-real" : p.Default ?? $"test-{p.Name}";
        var result = new JsonObject { ["description"] = fixture["description"]?.DeepClone(), ["flow"] = fixture["flow"]?.DeepClone() };
        if (parameters.Count > 0) result["connection"] = connection;
        foreach (var (k, v) in fixture)
            if (k is not ("description" or "flow")) result[k] = v?.DeepClone();
        return result;
    }

    private static JsonObject Parameter(ImportedParameter p)
    {
        var label = Regex.Replace(p.Name, "(?<=[a-z0-9])([A-Z])", " $1");
        var o = new JsonObject
        {
            ["name"] = p.Name,
            ["label"] = char.ToUpperInvariant(label[0]) + label[1..],
            ["type"] = p.Type,
            ["required"] = p.Required,
            ["description"] = p.Name == "baseUrl" || p.Source.EndsWith(".url", StringComparison.Ordinal) && !p.Required
                ? $"The API's base URL; the collection's value is the default (from {p.Source})."
                : $"From the Postman collection ({p.Source}).",
        };
        if (p.Default is not null && p.Type != "password") o["default"] = p.Default;
        return o;
    }

    internal static string Truncate(string text, int max) => text.Length <= max ? text : text[..(max - 1)] + "…";

    internal static bool IsDroppedResponseHeader(string name) => DroppedResponseHeaders.Contains(name);

    internal static JsonNode? ParseJson(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonNode.Parse(text); }
        catch (JsonException) { return null; }
    }

    /// <summary>What every action needs to know about the connector.</summary>
    internal sealed record ActionContext(MappedAuth Auth, HashSet<string> CredentialVariables, HashSet<string> BaseVariables, HashSet<string> SecretVariables, List<ImportMessage> Warnings, string BasePath);
}
