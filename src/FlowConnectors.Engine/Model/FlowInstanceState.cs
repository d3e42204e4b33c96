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
    /// <summary>The flow definition's version text; a retry on another stored version updates it.</summary>
    public string? FlowVersion { get; set; }
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
    /// <summary>Where a faulted instance stopped, so it can be retried from there (<see cref="Runtime.InstanceRetry"/>); null otherwise.</summary>
    public RetryPoint? Retry { get; set; }
    /// <summary>
    /// Changes made to the instance from outside its run (retries, cancellations, alterations), oldest first, with who
    /// made them; null until the first (most instances never have one, and their stored state stays as small).
    /// </summary>
    public List<InstanceChange>? History { get; set; }
    /// <summary>A stimulus to deliver again when the instance continues: set by a retry of a node that faulted while resuming.</summary>
    public StoredStimulus? Redeliver { get; set; }

    /// <summary>Records a change made from outside the run.</summary>
    public void Record(InstanceChange change) => (History ??= []).Add(change);
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

    /// <summary>True when the serialized state holds every value as this object does (no secret of the run to mask in it).</summary>
    [JsonIgnore]
    public bool SerializesAsIs => Secrets is not { IsEmpty: false };

    public string ToJson() => Secrets is { IsEmpty: false } secrets
        ? Redacted(secrets).ToJsonString(SerializerOptions)
        : JsonSerializer.Serialize(this, SerializerOptions);

    public byte[] ToUtf8Json() => ToUtf8Json(SerializerOptions);

    /// <summary>
    /// The form a store keeps (issue 15: bytes per run): as <see cref="ToUtf8Json()"/>, but without the instance's empty
    /// collections (an ended run has no queue, bookmarks, joins, variables or node states, and usually no input or
    /// properties), which <see cref="FromJson(string)"/> reads back as the same empty collections.
    /// </summary>
    public byte[] ToStoredUtf8Json() => ToUtf8Json(StoredSerializerOptions);

    private byte[] ToUtf8Json(JsonSerializerOptions options) => Secrets is { IsEmpty: false } secrets
        ? Encoding.UTF8.GetBytes(Redacted(secrets, options).ToJsonString(options))
        : JsonSerializer.SerializeToUtf8Bytes(this, options);

    // The serializer options, with the empty collections of the instance itself (not of the records inside it, which
    // take theirs through constructors) left out.
    private static readonly JsonSerializerOptions StoredSerializerOptions = new(SerializerOptions)
    {
        TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver { Modifiers = { SkipEmptyCollections } },
    };

    private static void SkipEmptyCollections(System.Text.Json.Serialization.Metadata.JsonTypeInfo type)
    {
        if (type.Type != typeof(FlowInstanceState)) return;
        foreach (var property in type.Properties)
            if (property.PropertyType != typeof(string) && typeof(System.Collections.IEnumerable).IsAssignableFrom(property.PropertyType))
                property.ShouldSerialize = static (_, value) => value switch
                {
                    null => false,
                    System.Collections.ICollection collection => collection.Count > 0,
                    JsonObject map => map.Count > 0,
                    _ => true,
                };
    }

    private JsonObject Redacted(SecretSet secrets) => Redacted(secrets, SerializerOptions);

    private JsonObject Redacted(SecretSet secrets, JsonSerializerOptions options)
    {
        var node = JsonSerializer.SerializeToNode(this, options)!.AsObject();
        foreach (var name in (string[])["variables", "nodeOutputs", "output", "nodeStates", "triggerPayload"])
            if (node[name] is { } value && secrets.RedactInPlace(value) is var redacted && !ReferenceEquals(redacted, value))
                node[name] = redacted;
        if (node["fault"] is JsonObject fault && (string?)fault["message"] is { } message) fault["message"] = secrets.Scrub(message);
        return node;
    }

    /// <summary>A stimulus as kept inside a bookmark's data (an onError retry's durable timer), in the state's own JSON form.</summary>
    internal static JsonNode? StimulusToJson(StoredStimulus stimulus) => JsonSerializer.SerializeToNode(stimulus, SerializerOptions);

    /// <summary>Reads back <see cref="StimulusToJson"/>; null when there is none.</summary>
    internal static StoredStimulus? StimulusFromJson(JsonNode? json) => json is JsonObject ? json.Deserialize<StoredStimulus>(SerializerOptions) : null;

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
/// <param name="Pass">For a loop node continuing: which pass of its body comes next (0 for the first).</param>
public sealed record WorkItem(string NodeId, int ScopeId, WorkKind Kind, string? FromNodeId = null, int Pass = 0);

/// <summary>
/// The work a faulted instance had not done when it faulted: the failed node first, then the nodes that were still
/// running (stopped by the fault) and the queued ones, with the bookmarks other branches waited on. Retrying puts
/// them back; everything else (scopes, joins, node outputs, variables) is still in the state as it was.
/// </summary>
public sealed class RetryPoint
{
    public List<WorkItem> Work { get; init; } = [];
    public List<Bookmark> Bookmarks { get; init; } = [];
    /// <summary>
    /// The failed node (<c>Work[0]</c>) faulted while resuming from this stimulus: a retry delivers it again instead of
    /// running the node from its start (which would wait again for a stimulus that already came).
    /// </summary>
    public StoredStimulus? Resumed { get; init; }
}

/// <summary>A stimulus as a node received it: the bookmark it resumed and its payload.</summary>
public sealed class StoredStimulus
{
    public required Bookmark Bookmark { get; init; }
    public JsonNode? Payload { get; init; }
}

/// <summary>One change made to an instance from outside its run: what, by whom (user or API key owner), when.</summary>
public sealed record InstanceChange(DateTimeOffset At, string Action, string? By, string? Detail = null);

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
    /// <summary>Which pass of its owner's loop body this scope runs (0 for the first): part of an idempotency key.</summary>
    public int Pass { get; init; }
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
