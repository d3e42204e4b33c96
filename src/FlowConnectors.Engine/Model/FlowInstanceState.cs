using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using SecretSet = FlowConnectors.Engine.Secrets.SecretSet;

namespace FlowConnectors.Engine;

/// <summary>
/// Everything an instance needs to continue in another process: serialize with
/// <see cref="ToJson"/>, read back with <see cref="FromJson"/>, then resume through a bookmark.
/// </summary>
public sealed class FlowInstanceState
{
    public required string InstanceId { get; init; }
    public required string FlowId { get; init; }
    public string? FlowVersion { get; init; }
    public string? CorrelationId { get; set; }
    public FlowStatus Status { get; set; } = FlowStatus.Running;
    /// <summary>
    /// Host-defined context of the run (e.g. the connection a connector card uses). Persisted with
    /// the instance and inherited by flows it calls; never shown to expressions.
    /// </summary>
    public Dictionary<string, string> Properties { get; init; } = new(StringComparer.Ordinal);
    public JsonObject Input { get; init; } = [];
    /// <summary>What started the instance when a trigger did (e.g. the HTTP request); null otherwise.</summary>
    public JsonNode? TriggerPayload { get; init; }
    public Dictionary<string, JsonNode?> Variables { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, Dictionary<string, JsonNode?>> NodeOutputs { get; init; } = new(StringComparer.Ordinal);
    public Dictionary<string, JsonNode?> Output { get; init; } = new(StringComparer.Ordinal);
    public List<WorkItem> Queue { get; init; } = [];
    public List<Bookmark> Bookmarks { get; init; } = [];
    public Dictionary<int, ScopeState> Scopes { get; init; } = [];
    /// <summary>Activity-private state keyed by <c>nodeId@scopeId</c>.</summary>
    public Dictionary<string, JsonNode?> NodeStates { get; init; } = new(StringComparer.Ordinal);
    public List<JoinState> Joins { get; init; } = [];
    public int NextScopeId { get; set; } = 1;
    public long Steps { get; set; }
    public FlowFault? Fault { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }

    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
        NumberHandling = JsonNumberHandling.Strict,
    };

    /// <summary>
    /// The secrets the last run of this instance knew (never serialized). When there are any, the serialized
    /// state has them masked in variables, node outputs, outputs, node states and the trigger payload: what is
    /// persisted never holds a credential. The input is kept as given (a secret input must survive a suspension).
    /// </summary>
    [JsonIgnore]
    internal SecretSet? Secrets { get; set; }

    public string ToJson() => Secrets is { IsEmpty: false } secrets
        ? Redacted(secrets).ToJsonString(SerializerOptions)
        : JsonSerializer.Serialize(this, SerializerOptions);

    public byte[] ToUtf8Json() => Secrets is { IsEmpty: false } secrets
        ? Encoding.UTF8.GetBytes(Redacted(secrets).ToJsonString(SerializerOptions))
        : JsonSerializer.SerializeToUtf8Bytes(this, SerializerOptions);

    private JsonObject Redacted(SecretSet secrets)
    {
        var node = JsonSerializer.SerializeToNode(this, SerializerOptions)!.AsObject();
        foreach (var name in (string[])["variables", "nodeOutputs", "output", "nodeStates", "triggerPayload"])
            if (node[name] is { } value && secrets.RedactInPlace(value) is var redacted && !ReferenceEquals(redacted, value))
                node[name] = redacted;
        if (node["fault"] is JsonObject fault && (string?)fault["message"] is { } message) fault["message"] = secrets.Scrub(message);
        return node;
    }

    /// <summary>Reads state written by <see cref="ToJson"/>; a malformed document gives a clear error.</summary>
    public static FlowInstanceState FromJson(string json)
    {
        try
        {
            return JsonSerializer.Deserialize<FlowInstanceState>(json, SerializerOptions)
                   ?? throw new FlowStateException("instance state is empty");
        }
        catch (JsonException e)
        {
            throw new FlowStateException($"instance state is not valid: {e.Message}");
        }
    }

    public static FlowInstanceState FromJson(ReadOnlySpan<byte> utf8)
    {
        try
        {
            return JsonSerializer.Deserialize<FlowInstanceState>(utf8, SerializerOptions)
                   ?? throw new FlowStateException("instance state is empty");
        }
        catch (JsonException e)
        {
            throw new FlowStateException($"instance state is not valid: {e.Message}");
        }
    }
}

/// <summary>A node waiting to run. Every work item carries one token of its scope.</summary>
public sealed record WorkItem(string NodeId, int ScopeId, WorkKind Kind, string? FromNodeId = null);

public enum WorkKind
{
    Execute,
    /// <summary>A loop activity runs again after its body finished.</summary>
    Continue,
}

/// <summary>
/// A scope counts the tokens (queued, running, waiting or suspended work) started inside it. The
/// root scope is 0; a loop body runs in a child scope owned by the loop node, and when the count
/// drops to zero the owner continues.
/// </summary>
public sealed class ScopeState
{
    public required int Id { get; init; }
    public int? ParentId { get; init; }
    public string? OwnerNodeId { get; init; }
    public int Tokens { get; set; }
}

/// <summary>Arrivals at a join node in one scope during one wave.</summary>
public sealed class JoinState
{
    public required string NodeId { get; init; }
    public required int ScopeId { get; init; }
    /// <summary>Source nodes that arrived in this wave (a set: arrivals are checked once per branch).</summary>
    public HashSet<string> Arrived { get; init; } = new(StringComparer.Ordinal);
    public bool Fired { get; set; }
    /// <summary>True while the join holds a token of its scope (waiting and not fired).</summary>
    public bool HoldsToken { get; set; }
}

public sealed class FlowStateException(string message) : Exception(message);
