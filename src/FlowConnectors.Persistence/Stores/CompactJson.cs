using System.Buffers;
using System.IO.Compression;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// The compact encodings of what an instance stores (issue 15: bytes per run).
/// <para><b>State</b>: the state JSON repeats the request body in the trigger payload, the trigger node's outputs,
/// the script's result and the flow's outputs; Brotli (quality 1, fast) stores such a document in about a third.
/// Stored as <c>bz:{length}:{Z85}</c> in the same text column (Z85: 5 printable characters for 4 bytes, where base64
/// takes 5⅓), or as plain JSON when that is not smaller. Plain JSON and <c>br:{length}:{base64}</c>, written before,
/// stay readable. A store writes the state without its empty collections (<see cref="FlowInstanceState.ToStoredUtf8Json"/>).</para>
/// <para><b>Journal</b> of a run stored already ended: an entry's inputs or outputs equal to a part of the final
/// state are stored as a reference to it instead of a copy (the state of an ended instance never changes again).
/// A whole map equal to a node's outputs is <c>{"$node":"hook"}</c> (written before as the equivalent
/// <c>{"$state":["nodeOutputs","hook"]}</c>, still read); a map with some values
/// equal to parts of the state is <c>{"$refs":{name: value or {"$state":[path]}}}</c>. Input and output names
/// never start with <c>$</c>, and the per-value form is only used when no copied value is itself an object with
/// a <c>$state</c> key, so neither form can be mistaken for data.</para>
/// </summary>
internal static class CompactJson
{
    private const string BrotliPrefix = "br:";
    private const string BrotliZ85Prefix = "bz:";
    private const string StateKey = "$state";
    private const string NodeKey = "$node";
    private const string RefsKey = "$refs";

    /// <summary>The stored form of a state serialized as UTF-8 (compressed when that is smaller).</summary>
    public static string WriteState(byte[] utf8)
    {
        if (utf8.Length < 256) return Encoding.UTF8.GetString(utf8);
        var buffer = ArrayPool<byte>.Shared.Rent(BrotliEncoder.GetMaxCompressedLength(utf8.Length));
        try
        {
            // Kept compressed only when the stored text is shorter than the plain JSON.
            if (BrotliEncoder.TryCompress(utf8, buffer, out var written, quality: 1, window: 22))
            {
                var length = utf8.Length.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var encodedLength = BrotliZ85Prefix.Length + length.Length + 1 + Z85.EncodedLength(written);
                if (encodedLength < Encoding.UTF8.GetCharCount(utf8))
                    return string.Create(encodedLength, (length, buffer, written), static (chars, s) =>
                    {
                        BrotliZ85Prefix.CopyTo(chars);
                        s.length.CopyTo(chars[BrotliZ85Prefix.Length..]);
                        var at = BrotliZ85Prefix.Length + s.length.Length;
                        chars[at] = ':';
                        Z85.Encode(s.buffer.AsSpan(0, s.written), chars[(at + 1)..]);
                    });
            }
            return Encoding.UTF8.GetString(utf8);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    public static string ReadState(string stored)
    {
        var z85 = stored.StartsWith(BrotliZ85Prefix, StringComparison.Ordinal);
        if (!z85 && !stored.StartsWith(BrotliPrefix, StringComparison.Ordinal)) return stored;
        var colon = stored.IndexOf(':', BrotliPrefix.Length);
        var length = int.Parse(stored.AsSpan(BrotliPrefix.Length, colon - BrotliPrefix.Length), System.Globalization.CultureInfo.InvariantCulture);
        var compressed = z85 ? Z85.Decode(stored.AsSpan(colon + 1)) : Convert.FromBase64String(stored[(colon + 1)..]);
        var utf8 = new byte[length];
        if (!BrotliDecoder.TryDecompress(compressed, utf8, out var written) || written != length)
            throw new InvalidDataException("a stored instance state could not be decompressed");
        return Encoding.UTF8.GetString(utf8);
    }

    /// <summary>What a journal map may refer to: the parts of an ended state.</summary>
    internal interface IEndedState
    {
        /// <summary>How many nodes have outputs (past a limit, single values are not searched for).</summary>
        int NodeCount { get; }

        /// <summary>Whether <paramref name="map"/> equals the node's outputs, as the stored state holds them.</summary>
        bool IsNodeOutputs(string nodeId, Dictionary<string, JsonNode?> map);

        /// <summary>The path of a part of the state equal to <paramref name="value"/> (worth a reference: an object or array), or null.</summary>
        string[]? Find(string nodeId, JsonNode? value);
    }

    /// <summary>
    /// The parts of an ended state, read from the state object itself (no parse of its JSON): its node outputs and
    /// outputs are what the stored JSON holds when nothing in it is masked. A journal value is usually the very
    /// object the state holds, so equality is tried by reference first.
    /// </summary>
    internal sealed class MemoryState(FlowInstanceState state) : IEndedState
    {
        public int NodeCount => state.NodeOutputs.Count;

        public bool IsNodeOutputs(string nodeId, Dictionary<string, JsonNode?> map)
        {
            if (!state.NodeOutputs.TryGetValue(nodeId, out var outputs) || outputs.Count != map.Count) return false;
            foreach (var (key, value) in map)
                // A null value is left out of a whole-map reference: the stored map is then read as it was written.
                if (value is null || !outputs.TryGetValue(key, out var kept) || !Same(kept, value)) return false;
            return true;
        }

        public string[]? Find(string nodeId, JsonNode? value)
        {
            if (value is not (JsonObject or JsonArray)) return null;
            // A Return node's outputs input is the flow's outputs (compared whole as an object, as the stored JSON has it).
            if (state.Output.Count > 0 && value is JsonObject whole && whole.Count == state.Output.Count && whole.All(p => state.Output.TryGetValue(p.Key, out var o) && p.Value is not null && Same(o, p.Value)))
                return ["output"];
            foreach (var (key, part) in state.Output)
                if (Same(part, value)) return ["output", key];
            if (state.NodeOutputs.TryGetValue(nodeId, out var own))
                foreach (var (key, part) in own)
                    if (Same(part, value)) return ["nodeOutputs", nodeId, key];
            foreach (var (id, outputs) in state.NodeOutputs)
                if (id != nodeId)
                    foreach (var (key, part) in outputs)
                        if (Same(part, value)) return ["nodeOutputs", id, key];
            return null;
        }

        private static bool Same(JsonNode? kept, JsonNode? value) =>
            ReferenceEquals(kept, value) || (kept is not null && value is not null && JsonNode.DeepEquals(kept, value));
    }

    /// <summary>The parts of an ended state a journal entry may refer to: each node's outputs, each of their values, the flow's outputs and each of them.</summary>
    internal sealed class StateParts(JsonObject state) : IEndedState
    {
        public JsonNode? At(IReadOnlyList<string> path)
        {
            JsonNode? node = state;
            foreach (var step in path) node = node is JsonObject o && o.TryGetPropertyValue(step, out var next) ? next : null;
            return node;
        }

        public int NodeCount => state["nodeOutputs"] is JsonObject nodes ? nodes.Count : 0;

        public bool IsNodeOutputs(string nodeId, Dictionary<string, JsonNode?> map) =>
            At(["nodeOutputs", nodeId]) is JsonObject outputs && outputs.Count == map.Count
            && map.All(p => outputs.TryGetPropertyValue(p.Key, out var kept) && JsonNode.DeepEquals(kept, p.Value));

        /// <summary>The path of a part of the state deep-equal to <paramref name="value"/> (worth a reference: an object or array), or null.</summary>
        public string[]? Find(string nodeId, JsonNode? value)
        {
            if (value is not (JsonObject or JsonArray)) return null;
            if (state["output"] is JsonObject output)
            {
                // A Return node's outputs input is the flow's outputs.
                if (JsonNode.DeepEquals(output, value)) return ["output"];
                foreach (var (key, part) in output)
                    if (JsonNode.DeepEquals(part, value)) return ["output", key];
            }
            if (state["nodeOutputs"] is JsonObject nodes)
            {
                // The node's own outputs first, then the others'.
                if (nodes[nodeId] is JsonObject own)
                    foreach (var (key, part) in own)
                        if (JsonNode.DeepEquals(part, value)) return ["nodeOutputs", nodeId, key];
                foreach (var (id, outputs) in nodes)
                    if (id != nodeId && outputs is JsonObject map)
                        foreach (var (key, part) in map)
                            if (JsonNode.DeepEquals(part, value)) return ["nodeOutputs", id, key];
            }
            return null;
        }
    }

    /// <summary>A journal map, with what the ended state holds replaced by references.</summary>
    /// <param name="searchValues">Whether single values are looked for in the whole state (off for very large states).</param>
    public static string? WriteMap(Dictionary<string, JsonNode?>? map, string nodeId, IEndedState? state, bool searchValues)
    {
        if (map is null) return null;
        if (state is null || map.Count == 0) return StoreJson.WriteMap(map);
        // References are by equality, so reading one back gives what was written, whichever execution of the node it was.
        if (state.IsNodeOutputs(nodeId, map)) return NodeRefText(nodeId);
        if (!searchValues) return StoreJson.WriteMap(map);
        string[]?[]? paths = null;
        var i = 0;
        foreach (var (_, value) in map)
        {
            if (value is JsonObject literal && literal.ContainsKey(StateKey)) return StoreJson.WriteMap(map);
            if (state.Find(nodeId, value) is { } path) (paths ??= new string[]?[map.Count])[i] = path;
            i++;
        }
        if (paths is null) return StoreJson.WriteMap(map);
        // Written straight out: {"$refs":{name: value or {"$state":[path]}}}.
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject(RefsKey);
            i = 0;
            foreach (var (name, value) in map)
            {
                writer.WritePropertyName(name);
                if (paths[i] is { } path) WriteRef(writer, path);
                else if (value is null) writer.WriteNullValue();
                else value.WriteTo(writer);
                i++;
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteRef(Utf8JsonWriter writer, string[] path)
    {
        writer.WriteStartObject();
        writer.WriteStartArray(StateKey);
        foreach (var step in path) writer.WriteStringValue(step);
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    // {"$node":"<id>"}: a node's whole outputs.
    private static string NodeRefText(string nodeId)
    {
        var buffer = new ArrayBufferWriter<byte>(32);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString(NodeKey, nodeId);
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Whether the stored map refers to the state (then <see cref="ReadMap"/> needs it).</summary>
    public static bool RefersToState(string? stored) =>
        stored is not null && (stored.StartsWith("{\"" + NodeKey + "\":", StringComparison.Ordinal) || stored.StartsWith("{\"" + StateKey + "\":", StringComparison.Ordinal)
                               || stored.StartsWith("{\"" + RefsKey + "\":", StringComparison.Ordinal));

    public static Dictionary<string, JsonNode?>? ReadMap(string? stored, Func<StateParts?> state)
    {
        if (!RefersToState(stored)) return StoreJson.ReadMap(stored);
        var node = JsonNode.Parse(stored!)!.AsObject();
        var parts = state() ?? throw new InvalidDataException("a journal entry refers to the instance's state, which is missing");
        JsonNode? wholeMap = node[NodeKey] is JsonValue id && id.TryGetValue(out string? nodeId) ? parts.At(["nodeOutputs", nodeId])
            : node[StateKey] is JsonArray whole ? parts.At(Path(whole))
            : null;
        if (node.ContainsKey(NodeKey) || node.ContainsKey(StateKey))
            return (wholeMap as JsonObject ?? []).ToDictionary(p => p.Key, p => p.Value?.DeepClone(), StringComparer.Ordinal);
        var map = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (name, value) in node[RefsKey]!.AsObject())
            map[name] = value is JsonObject o && o[StateKey] is JsonArray path ? parts.At(Path(path))?.DeepClone() : value?.DeepClone();
        return map;
    }

    private static string[] Path(JsonArray path) => path.Select(p => (string)p!).ToArray();

    public static StateParts? Parts(string stateJson) =>
        JsonNode.Parse(ReadState(stateJson), documentOptions: new JsonDocumentOptions { MaxDepth = 4096 }) is JsonObject o ? new StateParts(o) : null;

    /// <summary>
    /// Z85 (ZeroMQ RFC 32): 4 bytes as 5 characters of a printable alphabet without quotes or backslash. A last group of
    /// 1–3 bytes is written as 2–4 characters (as Ascii85 does), so any length is encoded.
    /// </summary>
    internal static class Z85
    {
        private const string Alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
        private static readonly sbyte[] Values = BuildValues();

        private static sbyte[] BuildValues()
        {
            var values = new sbyte[128];
            Array.Fill(values, (sbyte)-1);
            for (var i = 0; i < Alphabet.Length; i++) values[Alphabet[i]] = (sbyte)i;
            return values;
        }

        public static int EncodedLength(int bytes) => bytes / 4 * 5 + (bytes % 4 == 0 ? 0 : bytes % 4 + 1);

        public static void Encode(ReadOnlySpan<byte> bytes, Span<char> chars)
        {
            var c = 0;
            Span<char> group = stackalloc char[5];
            for (var b = 0; b < bytes.Length; b += 4)
            {
                var take = Math.Min(4, bytes.Length - b);
                uint value = 0;
                for (var i = 0; i < 4; i++) value = (value << 8) | (i < take ? bytes[b + i] : 0u);
                for (var i = 4; i >= 0; i--)
                {
                    group[i] = Alphabet[(int)(value % 85)];
                    value /= 85;
                }
                group[..(take + 1)].CopyTo(chars[c..]);
                c += take + 1;
            }
        }

        public static byte[] Decode(ReadOnlySpan<char> chars)
        {
            var last = chars.Length % 5;
            if (last == 1) throw new InvalidDataException("a stored instance state is not valid Z85");
            var bytes = new byte[chars.Length / 5 * 4 + (last == 0 ? 0 : last - 1)];
            var o = 0;
            for (var c = 0; c < chars.Length; c += 5)
            {
                var take = Math.Min(5, chars.Length - c);
                ulong value = 0;
                for (var i = 0; i < 5; i++)
                {
                    // A short last group is padded with the highest digit, so its bytes come out exactly.
                    var digit = i < take ? (chars[c + i] < 128 ? Values[chars[c + i]] : -1) : 84;
                    if (digit < 0) throw new InvalidDataException("a stored instance state is not valid Z85");
                    value = value * 85 + (ulong)digit;
                }
                if (value > uint.MaxValue) throw new InvalidDataException("a stored instance state is not valid Z85");
                for (var i = 0; i < take - 1; i++) bytes[o++] = (byte)(value >> (24 - 8 * i));
            }
            return bytes;
        }
    }
}
