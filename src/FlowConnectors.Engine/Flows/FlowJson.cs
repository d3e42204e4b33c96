using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Formats;

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
public sealed record FlowLoadResult(FlowDefinition? Flow, IReadOnlyList<FormatProblem> Problems)
{
    public bool HasErrors => Problems.Any(p => p.IsError);
}

/// <summary>
/// Reads and writes <c>*.flow.json</c>. Reading (<see cref="FlowFormat"/>: the JSON Schema plus our checks)
/// reports every structural problem at once with its JSON path (unknown fields, wrong types, missing
/// fields); writing is deterministic, so a file
/// this class saved loads and saves back byte-identical.
/// </summary>
public static class FlowJson
{
    public static FlowLoadResult Load(string text, FlowJsonOptions? options = null)
    {
        options ??= FlowJsonOptions.Default;
        var problems = new List<FormatProblem>();
        if (Encoding.UTF8.GetByteCount(text) > options.MaxBytes)
        {
            problems.Add(FormatProblem.Error("FLOW_TOO_LARGE", "$",
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
            problems.Add(FormatProblem.Error("JSON_SYNTAX", e.Path ?? "$", $"{where}malformed JSON: {FirstSentence(e.Message)}"));
            return new(null, problems);
        }
        using (document)
        {
            return FlowFormat.Read(document.RootElement, options);
        }
    }

    public static FlowLoadResult LoadFile(string path, FlowJsonOptions? options = null)
    {
        options ??= FlowJsonOptions.Default;
        var info = new FileInfo(path);
        if (!info.Exists)
            return new(null, [FormatProblem.Error("FILE_NOT_FOUND", "$", $"file not found: {path}")]);
        if (info.Length > options.MaxBytes)
            return new(null, [FormatProblem.Error("FLOW_TOO_LARGE", "$",
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
}
