using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Flows;

/// <summary>Options for reading flow JSON.</summary>
public sealed class FlowJsonOptions
{
    /// <summary>Top-level blocks other layers own (kept verbatim, validated by their owners).</summary>
    public IReadOnlySet<string> ExtensionBlocks { get; init; } = new HashSet<string>(StringComparer.Ordinal) { "card" };

    /// <summary>Larger files are refused before parsing.</summary>
    public long MaxBytes { get; init; } = 16 * 1024 * 1024;

    public static FlowJsonOptions Default { get; } = new();
}

/// <summary>The result of reading a flow: the definition when it could be read, and every problem.</summary>
public sealed record FlowLoadResult(FlowDefinition? Flow, IReadOnlyList<FlowProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>
/// Reads and writes <c>*.flow.json</c>. Reading reports every structural problem at once with its
/// JSON path (unknown fields, wrong types, missing fields); writing is deterministic, so a file
/// this class saved loads and saves back byte-identical.
/// </summary>
public static class FlowJson
{
    private static readonly string[] TopLevelOrder =
        ["format", "id", "name", "description", "version", "inputs", "outputs", "variables", "start", "nodes", "connections", "errorFlow"];

    public static FlowLoadResult Load(string text, FlowJsonOptions? options = null)
    {
        options ??= FlowJsonOptions.Default;
        var problems = new List<FlowProblem>();
        if (Encoding.UTF8.GetByteCount(text) > options.MaxBytes)
        {
            problems.Add(new(ProblemSeverity.Error, "FLOW_TOO_LARGE", "$",
                $"file is {Encoding.UTF8.GetByteCount(text) / (1024.0 * 1024.0):0.0} MB, larger than the {options.MaxBytes / (1024 * 1024)} MB limit"));
            return new(null, problems);
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 128, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException e)
        {
            var where = e.LineNumber is { } line ? $"line {line + 1}, column {(e.BytePositionInLine ?? 0) + 1}: " : "";
            problems.Add(new(ProblemSeverity.Error, "JSON_SYNTAX", e.Path ?? "$", $"{where}malformed JSON: {FirstSentence(e.Message)}"));
            return new(null, problems);
        }
        using (document)
        {
            var reader = new Reader(problems);
            var flow = reader.ReadFlow(document.RootElement, options);
            return new(flow, problems);
        }
    }

    public static FlowLoadResult LoadFile(string path, FlowJsonOptions? options = null)
    {
        options ??= FlowJsonOptions.Default;
        var info = new FileInfo(path);
        if (!info.Exists)
            return new(null, [new(ProblemSeverity.Error, "FILE_NOT_FOUND", "$", $"file not found: {path}")]);
        if (info.Length > options.MaxBytes)
            return new(null, [new(ProblemSeverity.Error, "FLOW_TOO_LARGE", "$",
                $"file is {info.Length / (1024.0 * 1024.0):0.0} MB, larger than the {options.MaxBytes / (1024 * 1024)} MB limit")]);
        return Load(File.ReadAllText(path), options);
    }

    /// <summary>Parses a flow or throws <see cref="FlowValidationException"/> with every problem.</summary>
    public static FlowDefinition Parse(string text, FlowJsonOptions? options = null)
    {
        var result = Load(text, options);
        if (result.HasErrors || result.Flow is null) throw new FlowValidationException(result.Problems);
        return result.Flow;
    }

    private static string FirstSentence(string message)
    {
        foreach (var marker in new[] { " Path:", " LineNumber:" })
        {
            var cut = message.IndexOf(marker, StringComparison.Ordinal);
            if (cut > 0) message = message[..cut].TrimEnd();
        }
        return message.TrimEnd('.', ' ') + ".";
    }

    /// <summary>Deterministic text of a flow: fixed field order, sorted free-form keys, final newline.</summary>
    public static string Save(FlowDefinition flow)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, CanonicalJson.IndentedOptions))
        {
            w.WriteStartObject();
            w.WriteNumber("format", flow.Format);
            w.WriteString("id", flow.Id);
            WriteOptional(w, "name", flow.Name);
            WriteOptional(w, "description", flow.Description);
            WriteOptional(w, "version", flow.Version);
            if (flow.Inputs.Count > 0) WriteParameters(w, "inputs", flow.Inputs);
            if (flow.Outputs.Count > 0) WriteParameters(w, "outputs", flow.Outputs);
            if (flow.Variables.Count > 0)
            {
                w.WriteStartArray("variables");
                foreach (var v in flow.Variables)
                {
                    w.WriteStartObject();
                    w.WriteString("name", v.Name);
                    w.WriteString("type", v.Type);
                    if (v.Default is not null) { w.WritePropertyName("default"); CanonicalJson.WriteValue(w, v.Default); }
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            WriteOptional(w, "start", flow.Start);
            w.WriteStartArray("nodes");
            foreach (var node in flow.Nodes)
            {
                w.WriteStartObject();
                w.WriteString("id", node.Id);
                w.WriteString("type", node.Type);
                WriteOptional(w, "name", node.Name);
                WriteOptional(w, "description", node.Description);
                if (node.Inputs.Count > 0)
                {
                    w.WriteStartObject("inputs");
                    foreach (var (key, value) in node.Inputs)
                    {
                        w.WritePropertyName(key);
                        CanonicalJson.WriteValue(w, value);
                    }
                    w.WriteEndObject();
                }
                if (node.OnError is not null) WriteErrorPolicy(w, node.OnError);
                if (node.SideEffects is { } effects) w.WriteString("sideEffects", Activities.SideEffectNames.Of(effects));
                if (node.Ui is not null) { w.WritePropertyName("ui"); CanonicalJson.WriteValue(w, node.Ui); }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteStartArray("connections");
            foreach (var c in flow.Connections)
            {
                w.WriteStartObject();
                w.WriteString("from", c.From);
                w.WriteString("to", c.To);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            WriteOptional(w, "errorFlow", flow.ErrorFlow);
            foreach (var (key, value) in flow.Extensions)
            {
                w.WritePropertyName(key);
                CanonicalJson.WriteValue(w, value);
            }
            if (flow.Ui is not null) { w.WritePropertyName("ui"); CanonicalJson.WriteValue(w, flow.Ui); }
            w.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    private static void WriteOptional(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null) w.WriteString(name, value);
    }

    private static void WriteErrorPolicy(Utf8JsonWriter w, NodeErrorPolicy policy)
    {
        w.WriteStartObject("onError");
        if (policy.Retries is { } retries) w.WriteNumber("retries", retries);
        if (policy.DelayMs is { } delay) w.WriteNumber("delayMs", delay);
        WriteOptional(w, "backoff", policy.Backoff);
        if (policy.MaxDelayMs is { } maxDelay) w.WriteNumber("maxDelayMs", maxDelay);
        if (policy.Jitter is { } jitter) w.WriteNumber("jitter", jitter);
        WriteOptional(w, "then", policy.Then);
        if (policy.Value is not null) { w.WritePropertyName("value"); CanonicalJson.WriteValue(w, policy.Value); }
        w.WriteEndObject();
    }

    private static void WriteParameters(Utf8JsonWriter w, string name, List<FlowParameter> parameters)
    {
        w.WriteStartArray(name);
        foreach (var p in parameters)
        {
            w.WriteStartObject();
            w.WriteString("name", p.Name);
            w.WriteString("type", p.Type);
            WriteOptional(w, "label", p.Label);
            WriteOptional(w, "description", p.Description);
            if (p.Required) w.WriteBoolean("required", true);
            if (p.Secret) w.WriteBoolean("secret", true);
            if (p.Default is not null) { w.WritePropertyName("default"); CanonicalJson.WriteValue(w, p.Default); }
            if (p.Options is not null) { w.WritePropertyName("options"); CanonicalJson.WriteValue(w, p.Options); }
            w.WriteEndObject();
        }
        w.WriteEndArray();
    }

    /// <summary>Walks the document once, building the model and collecting problems with paths.</summary>
    private sealed class Reader(List<FlowProblem> problems)
    {
        private void Error(string code, string path, string message, string? nodeId = null) =>
            problems.Add(new(ProblemSeverity.Error, code, path, message, nodeId));

        public FlowDefinition? ReadFlow(JsonElement root, FlowJsonOptions options)
        {
            if (root.ValueKind != JsonValueKind.Object)
            {
                Error("NOT_A_FLOW", "$", $"a flow must be a JSON object, got {Kind(root)}");
                return null;
            }
            var flow = new FlowDefinition { Id = "" };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var sawNodes = false;
            var sawConnections = false;
            foreach (var prop in root.EnumerateObject())
            {
                var path = JsonPath.Property("$", prop.Name);
                if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", path, $"field '{prop.Name}' appears twice"); continue; }
                var value = prop.Value;
                switch (prop.Name)
                {
                    case "format":
                        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var format))
                            Error("WRONG_TYPE", path, $"'format' must be an integer, got {Kind(value)}");
                        else if (format != FlowDefinition.CurrentFormat)
                            Error("UNSUPPORTED_FORMAT", path, $"format {format} is not supported; this version reads format {FlowDefinition.CurrentFormat}");
                        else flow.Format = format;
                        break;
                    case "id": flow.Id = String(value, path) ?? ""; break;
                    case "name": flow.Name = String(value, path); break;
                    case "description": flow.Description = String(value, path); break;
                    case "version": flow.Version = String(value, path); break;
                    case "start": flow.Start = String(value, path); break;
                    case "inputs": flow.Inputs = Parameters(value, path); break;
                    case "outputs": flow.Outputs = Parameters(value, path); break;
                    case "variables": flow.Variables = Variables(value, path); break;
                    case "nodes": sawNodes = true; flow.Nodes = Nodes(value, path); break;
                    case "connections": sawConnections = true; flow.Connections = Connections(value, path); break;
                    case "errorFlow": flow.ErrorFlow = String(value, path); break;
                    case "ui": flow.Ui = ObjectValue(value, path); break;
                    default:
                        if (options.ExtensionBlocks.Contains(prop.Name))
                            flow.Extensions[prop.Name] = JsonNode.Parse(value.GetRawText());
                        else
                            Error("UNKNOWN_FIELD", path, $"unknown field '{prop.Name}'; a flow has {string.Join(", ", TopLevelOrder.Concat(options.ExtensionBlocks.Order(StringComparer.Ordinal)).Append("ui"))}");
                        break;
                }
            }
            if (!seen.Contains("format")) Error("MISSING_FIELD", "$", $"missing field 'format' (use {FlowDefinition.CurrentFormat})");
            if (!seen.Contains("id")) Error("MISSING_FIELD", "$", "missing field 'id'");
            else if (flow.Id.Length == 0) Error("INVALID_ID", "$.id", "flow id must not be empty");
            if (!sawNodes) Error("MISSING_FIELD", "$", "missing field 'nodes'");
            if (!sawConnections) Error("MISSING_FIELD", "$", "missing field 'connections'");
            return flow;
        }

        private List<FlowParameter> Parameters(JsonElement value, string path)
        {
            var list = new List<FlowParameter>();
            if (!IsArray(value, path)) return list;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = JsonPath.Index(path, index++);
                if (!IsObject(item, itemPath)) continue;
                var p = new FlowParameter { Name = "" };
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var prop in item.EnumerateObject())
                {
                    var propPath = JsonPath.Property(itemPath, prop.Name);
                    if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", propPath, $"field '{prop.Name}' appears twice"); continue; }
                    switch (prop.Name)
                    {
                        case "name": p.Name = String(prop.Value, propPath) ?? ""; break;
                        case "type": p.Type = TypeName(prop.Value, propPath); break;
                        case "label": p.Label = String(prop.Value, propPath); break;
                        case "description": p.Description = String(prop.Value, propPath); break;
                        case "required": p.Required = Bool(prop.Value, propPath); break;
                        case "secret": p.Secret = Bool(prop.Value, propPath); break;
                        case "default": p.Default = JsonNode.Parse(prop.Value.GetRawText()); break;
                        case "options":
                            if (IsArray(prop.Value, propPath)) p.Options = (JsonArray)JsonNode.Parse(prop.Value.GetRawText())!;
                            break;
                        default:
                            Error("UNKNOWN_FIELD", propPath, $"unknown field '{prop.Name}'; a parameter has name, type, label, description, required, secret, default, options");
                            break;
                    }
                }
                if (!seen.Contains("name")) Error("MISSING_FIELD", itemPath, "missing field 'name'");
                list.Add(p);
            }
            return list;
        }

        private List<FlowVariable> Variables(JsonElement value, string path)
        {
            var list = new List<FlowVariable>();
            if (!IsArray(value, path)) return list;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = JsonPath.Index(path, index++);
                if (!IsObject(item, itemPath)) continue;
                var v = new FlowVariable { Name = "" };
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var prop in item.EnumerateObject())
                {
                    var propPath = JsonPath.Property(itemPath, prop.Name);
                    if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", propPath, $"field '{prop.Name}' appears twice"); continue; }
                    switch (prop.Name)
                    {
                        case "name": v.Name = String(prop.Value, propPath) ?? ""; break;
                        case "type": v.Type = TypeName(prop.Value, propPath); break;
                        case "default": v.Default = JsonNode.Parse(prop.Value.GetRawText()); break;
                        default: Error("UNKNOWN_FIELD", propPath, $"unknown field '{prop.Name}'; a variable has name, type, default"); break;
                    }
                }
                if (!seen.Contains("name")) Error("MISSING_FIELD", itemPath, "missing field 'name'");
                list.Add(v);
            }
            return list;
        }

        private List<FlowNode> Nodes(JsonElement value, string path)
        {
            var list = new List<FlowNode>();
            if (!IsArray(value, path)) return list;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = JsonPath.Index(path, index++);
                if (!IsObject(item, itemPath)) continue;
                var node = new FlowNode { Id = "", Type = "" };
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var prop in item.EnumerateObject())
                {
                    var propPath = JsonPath.Property(itemPath, prop.Name);
                    if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", propPath, $"field '{prop.Name}' appears twice"); continue; }
                    switch (prop.Name)
                    {
                        case "id": node.Id = String(prop.Value, propPath) ?? ""; break;
                        case "type": node.Type = String(prop.Value, propPath) ?? ""; break;
                        case "name": node.Name = String(prop.Value, propPath); break;
                        case "description": node.Description = String(prop.Value, propPath); break;
                        case "ui": node.Ui = ObjectValue(prop.Value, propPath); break;
                        case "onError": node.OnError = ErrorPolicy(prop.Value, propPath, node.Id); break;
                        case "sideEffects":
                            if (String(prop.Value, propPath) is not { } sideEffectsName) break;
                            if (Activities.SideEffectNames.TryParse(sideEffectsName, out var nodeEffects)) node.SideEffects = nodeEffects;
                            else Error("INVALID_SIDE_EFFECTS", propPath, $"sideEffects '{sideEffectsName}' must be none, idempotent or unsafe", node.Id);
                            break;
                        case "inputs":
                            if (!IsObject(prop.Value, propPath)) break;
                            var inputNames = new HashSet<string>(StringComparer.Ordinal);
                            foreach (var input in prop.Value.EnumerateObject())
                            {
                                if (!inputNames.Add(input.Name))
                                {
                                    Error("DUPLICATE_FIELD", JsonPath.Property(propPath, input.Name), $"input '{input.Name}' appears twice", node.Id);
                                    continue;
                                }
                                node.Inputs[input.Name] = JsonNode.Parse(input.Value.GetRawText());
                            }
                            break;
                        default:
                            Error("UNKNOWN_FIELD", propPath, $"unknown field '{prop.Name}'; a node has id, type, name, description, inputs, onError, sideEffects, ui");
                            break;
                    }
                }
                if (!seen.Contains("id")) Error("MISSING_FIELD", itemPath, "missing field 'id'");
                if (!seen.Contains("type")) Error("MISSING_FIELD", itemPath, "missing field 'type'", node.Id);
                list.Add(node);
            }
            return list;
        }

        private NodeErrorPolicy? ErrorPolicy(JsonElement value, string path, string nodeId)
        {
            if (!IsObject(value, path)) return null;
            var policy = new NodeErrorPolicy();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var prop in value.EnumerateObject())
            {
                var propPath = JsonPath.Property(path, prop.Name);
                if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", propPath, $"field '{prop.Name}' appears twice", nodeId); continue; }
                switch (prop.Name)
                {
                    case "retries":
                        if (Integer(prop.Value, propPath, 0, NodeErrorPolicy.MaxRetries, nodeId) is { } retries) policy.Retries = (int)retries;
                        break;
                    case "delayMs": policy.DelayMs = Integer(prop.Value, propPath, 0, NodeErrorPolicy.MaxDelayLimitMs, nodeId); break;
                    case "maxDelayMs": policy.MaxDelayMs = Integer(prop.Value, propPath, 0, NodeErrorPolicy.MaxDelayLimitMs, nodeId); break;
                    case "backoff":
                        policy.Backoff = OneOf(prop.Value, propPath, nodeId, NodeErrorPolicy.BackoffFixed, NodeErrorPolicy.BackoffExponential);
                        break;
                    case "then":
                        policy.Then = OneOf(prop.Value, propPath, nodeId, NodeErrorPolicy.ThenFault, NodeErrorPolicy.ThenContinue, NodeErrorPolicy.ThenReturn);
                        break;
                    case "jitter":
                        if (prop.Value.ValueKind != JsonValueKind.Number || prop.Value.GetDouble() is < 0 or > 1)
                            Error("WRONG_TYPE", propPath, $"'jitter' must be a number from 0 to 1, got {prop.Value.GetRawText()}", nodeId);
                        else policy.Jitter = prop.Value.GetDouble();
                        break;
                    case "value": policy.Value = ObjectValue(prop.Value, propPath); break;
                    default:
                        Error("UNKNOWN_FIELD", propPath, $"unknown field '{prop.Name}'; onError has retries, delayMs, backoff, maxDelayMs, jitter, then, value", nodeId);
                        break;
                }
            }
            return policy;
        }

        private long? Integer(JsonElement value, string path, long min, long max, string nodeId)
        {
            if (value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number) && number >= min && number <= max) return number;
            Error("WRONG_TYPE", path, $"expected an integer from {min} to {max}, got {value.GetRawText()}", nodeId);
            return null;
        }

        private string? OneOf(JsonElement value, string path, string nodeId, params string[] allowed)
        {
            if (value.ValueKind == JsonValueKind.String && allowed.Contains(value.GetString(), StringComparer.Ordinal)) return value.GetString();
            Error("WRONG_TYPE", path, $"expected one of {string.Join(", ", allowed.Select(a => '"' + a + '"'))}, got {value.GetRawText()}", nodeId);
            return null;
        }

        private List<FlowConnection> Connections(JsonElement value, string path)
        {
            var list = new List<FlowConnection>();
            if (!IsArray(value, path)) return list;
            var index = 0;
            foreach (var item in value.EnumerateArray())
            {
                var itemPath = JsonPath.Index(path, index++);
                if (!IsObject(item, itemPath)) continue;
                string? from = null, to = null;
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var prop in item.EnumerateObject())
                {
                    var propPath = JsonPath.Property(itemPath, prop.Name);
                    if (!seen.Add(prop.Name)) { Error("DUPLICATE_FIELD", propPath, $"field '{prop.Name}' appears twice"); continue; }
                    switch (prop.Name)
                    {
                        case "from": from = String(prop.Value, propPath); break;
                        case "to": to = String(prop.Value, propPath); break;
                        default: Error("UNKNOWN_FIELD", propPath, $"unknown field '{prop.Name}'; a connection has from, to"); break;
                    }
                }
                if (from is null) { Error("MISSING_FIELD", itemPath, "missing field 'from' (\"node:outcome\")"); continue; }
                if (to is null) { Error("MISSING_FIELD", itemPath, "missing field 'to'"); continue; }
                var colon = from.LastIndexOf(':');
                if (colon <= 0 || colon == from.Length - 1)
                {
                    Error("INVALID_CONNECTION", JsonPath.Property(itemPath, "from"), $"'from' must be \"node:outcome\", got \"{from}\"");
                    continue;
                }
                list.Add(new FlowConnection { FromNode = from[..colon], Outcome = from[(colon + 1)..], To = to });
            }
            return list;
        }

        private string TypeName(JsonElement value, string path)
        {
            var type = String(value, path) ?? Values.ValueTypes.Any;
            if (!Values.ValueTypes.IsKnown(type))
                Error("UNKNOWN_TYPE", path, $"unknown type '{type}'; use string, number, integer, boolean, datetime, object, any, array or array<T>");
            return type;
        }

        private JsonObject? ObjectValue(JsonElement value, string path) =>
            IsObject(value, path) ? (JsonObject)JsonNode.Parse(value.GetRawText())! : null;

        private string? String(JsonElement value, string path)
        {
            if (value.ValueKind == JsonValueKind.String) return value.GetString();
            Error("WRONG_TYPE", path, $"expected a string, got {Kind(value)}");
            return null;
        }

        private bool Bool(JsonElement value, string path)
        {
            if (value.ValueKind is JsonValueKind.True or JsonValueKind.False) return value.GetBoolean();
            Error("WRONG_TYPE", path, $"expected true or false, got {Kind(value)}");
            return false;
        }

        private bool IsArray(JsonElement value, string path)
        {
            if (value.ValueKind == JsonValueKind.Array) return true;
            Error("WRONG_TYPE", path, $"expected an array, got {Kind(value)}");
            return false;
        }

        private bool IsObject(JsonElement value, string path)
        {
            if (value.ValueKind == JsonValueKind.Object) return true;
            Error("WRONG_TYPE", path, $"expected an object, got {Kind(value)}");
            return false;
        }

        private static string Kind(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "nothing",
        };
    }
}
