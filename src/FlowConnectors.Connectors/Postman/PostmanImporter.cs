using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Connectors.Postman;

/// <summary>
/// Maps a Postman Collection (v2.1 or v2.0) to a connector: each request becomes an action flow that
/// calls the connector's httpHelper, folders become card groups, variables become connection
/// parameters (base URL, credentials) or action inputs, the collection's auth suggests the connector's
/// auth kind, and saved example responses become the card's outputs and an offline fixture.
/// </summary>
public static partial class PostmanImporter
{
    [GeneratedRegex("[^a-z0-9]+")] private static partial Regex NotKeyCharacter();

    private static readonly HashSet<string> ReservedFlowIds = new(StringComparer.OrdinalIgnoreCase) { "httpHelper", "customApiAction", "_authping", "_revoke" };
    private static readonly HashSet<string> DroppedResponseHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "transfer-encoding", "content-encoding", "connection", "keep-alive", "date", "server",
    };

    /// <summary>Reads and maps a collection. Throws <see cref="PostmanImportException"/> when it cannot be imported at all.</summary>
    public static ImportedConnector Import(string collectionJson, string? name = null)
    {
        var collection = PostmanCollection.Parse(collectionJson);
        var warnings = new List<ImportMessage>();
        var requests = new List<(PostmanItem Item, List<PostmanItem> Folders)>();
        Walk(collection.Root, [], requests, warnings);
        if (requests.Count == 0) throw new PostmanImportException("$.item", "the collection holds no requests");

        var connectorName = string.IsNullOrWhiteSpace(name) ? collection.Name : name.Trim();
        var key = NotKeyCharacter().Replace(connectorName.ToLowerInvariant(), "-").Trim('-');
        if (key.Length > 40) key = key[..40].TrimEnd('-');
        if (key.Length < 2)
            throw new PostmanImportException(string.IsNullOrWhiteSpace(name) ? "$.info.name" : "name",
                $"'{connectorName}' gives no usable connector key (2–40 lower-case letters, digits or '-'); pass a name");

        var collectionScope = Scope(collection.Root, [], null);

        // Auth: the collection's, else the one most requests use.
        var effective = requests.Select(r => EffectiveAuth(r.Item, r.Folders, collection.Root)).ToList();
        var source = collection.Root.Auth is { Type: not ("noauth" or "inherit") } rootAuth ? rootAuth
            : effective.Where(a => a is not null).GroupBy(a => a!.Type).OrderByDescending(g => g.Count()).Select(g => g.First()).FirstOrDefault();
        var auth = source is null ? PostmanAuthMapper.None() : PostmanAuthMapper.Map(source, collectionScope, warnings);
        for (var i = 0; i < requests.Count; i++)
        {
            var type = effective[i]?.Type ?? "noauth";
            if (source is not null && type != source.Type && type != "noauth")
                warnings.Add(new(effective[i]!.Path, $"uses '{type}' auth, but the connector's auth ('{source.Type}' → {auth.Kind}) applies to every action"));
            else if (source is not null && type == "noauth" && effective[i] is not null)
                warnings.Add(new(effective[i]!.Path, $"'{requests[i].Item.Name}' has no auth in the collection, but the connector's auth ({auth.Kind}) applies to every action"));
        }

        // Base URL: the origin most requests share.
        var bases = requests.Select(r => BaseTemplate(r.Item.Request!.Url)).ToList();
        var baseTemplate = bases.GroupBy(b => b).OrderByDescending(g => g.Count()).First().Key;
        var connectionParameters = new List<ImportedParameter>();
        var baseUrl = BaseUrl(baseTemplate, collectionScope, connectionParameters, requests[bases.IndexOf(baseTemplate)].Item.Request!.Path);
        foreach (var p in auth.Parameters)
            if (connectionParameters.All(c => c.Name != p.Name)) connectionParameters.Add(p);
        var baseVariables = PostmanTemplate.Variables(baseTemplate).ToHashSet(StringComparer.Ordinal);

        var flows = new SortedDictionary<string, FlowDefinition>(StringComparer.Ordinal);
        var fixtures = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var actions = new List<ImportedAction>();
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        SecretVariables(collection.Root, secrets);
        var context = new ActionContext(auth, baseVariables, secrets, warnings, Uri.TryCreate(ExpandForFixture(baseUrl, connectionParameters), UriKind.Absolute, out var b) ? b.AbsolutePath.TrimEnd('/') : "");
        for (var i = 0; i < requests.Count; i++)
        {
            var (item, folders) = requests[i];
            if (bases[i] != baseTemplate)
            {
                warnings.Add(new(item.Request!.Path + ".url", $"'{item.Name}' calls {Display(bases[i])}, not the connector's base URL {Display(baseTemplate)}; it is not imported"));
                continue;
            }
            var id = UniqueId(PostmanTemplate.Identifier(item.Name, "request"), flows.Keys);
            var action = ActionBuilder.Build(id, item, folders, Scope(item, folders, collection.Root), context);
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
        flows["customApiAction"] = StandardFlows.CustomApiAction();
        if (auth.Kind != "none") flows["_authping"] = StandardFlows.AuthPing(flows.Values.FirstOrDefault(f => actions.Any(a => a.Id == f.Id && a.Method == "GET") && f.Inputs.All(i => !i.Required)), actions);

        var manifest = new JsonObject
        {
            ["key"] = key,
            ["name"] = connectorName,
            ["version"] = "1.0.0",
            ["description"] = Truncate(collection.Description ?? $"Imported from the Postman collection '{collection.Name}'.", 500),
            ["baseUrl"] = baseUrl,
            ["auth"] = auth.Manifest,
            ["connectionParameters"] = new JsonArray(connectionParameters.Select(Parameter).ToArray<JsonNode?>()),
        };
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
        };
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
    private static string BaseUrl(string template, Dictionary<string, string> scope, List<ImportedParameter> parameters, string path)
    {
        if (PostmanTemplate.IsSingleVariable(template, out var variable))
        {
            var value = PostmanTemplate.Resolve(scope.GetValueOrDefault(variable) ?? "", scope).Trim();
            if (value.Length > 0 && !value.Contains("://", StringComparison.Ordinal)) value = "http://" + value;
            if (!IsHttpUrl(value) || PostmanTemplate.Variables(value).Any())
                throw new PostmanImportException(path + ".url", $"the base URL variable {{{{{variable}}}}} has no absolute http(s) URL as its value in the collection's variables; give it one (e.g. https://api.example.com)");
            return value.TrimEnd('/');
        }
        var withProtocol = template.Contains("://", StringComparison.Ordinal) ? template : "http://" + template;
        var result = Regex.Replace(withProtocol, @"\{\{([^{}]+)\}\}", m =>
        {
            var name = PostmanTemplate.Identifier(m.Groups[1].Value.Trim(), "host");
            if (parameters.All(p => p.Name != name))
                parameters.Add(new ImportedParameter(name, "text", scope.GetValueOrDefault(m.Groups[1].Value.Trim()), path + ".url"));
            return $"{{{{connection.{name}}}}}";
        });
        if (!IsHttpUrl(Regex.Replace(result, @"\{\{connection\.[A-Za-z0-9_]+\}\}", "x")))
            throw new PostmanImportException(path + ".url", $"'{template}' is not a usable base URL (an http or https host)");
        return result;
    }

    internal static string ExpandForFixture(string baseUrl, IEnumerable<ImportedParameter> parameters) =>
        Regex.Replace(baseUrl, @"\{\{connection\.([A-Za-z0-9_]+)\}\}", m =>
            Uri.EscapeDataString(parameters.FirstOrDefault(p => p.Name == m.Groups[1].Value)?.Default ?? "x"));

    private static bool IsHttpUrl(string text) =>
        Uri.TryCreate(text, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" && uri.Host.Length > 0;

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
            ["required"] = true,
            ["description"] = $"From the Postman collection ({p.Source}).",
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
    internal sealed record ActionContext(MappedAuth Auth, HashSet<string> BaseVariables, HashSet<string> SecretVariables, List<ImportMessage> Warnings, string BasePath);
}
