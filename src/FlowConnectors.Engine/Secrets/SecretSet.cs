using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Secrets;

/// <summary>
/// The secrets a run knows, with the forms they travel in: as registered, URL-encoded, Base64 (at every
/// byte alignment, so a secret inside a longer encoded text such as <c>user:secret</c> is found too), the
/// token after an auth scheme (<c>Bearer x</c>) and the decoded <c>user:password</c> of a Basic value.
/// Immutable: a run swaps in a new set when it registers one more.
/// </summary>
internal sealed class SecretSet
{
    public const string Mask = "***";
    private const int MinLength = 4;
    // A Base64 core shorter than this would match unrelated text too often.
    private const int MinEncodedCore = 8;

    public static SecretSet Empty { get; } = new(ImmutableHashSet.Create<string>(StringComparer.Ordinal), []);

    // Sets already built, by the values registered in them. A set depends on its values alone, and every run of a
    // connector action registers the same ones (the connection's credentials, then the Basic header they make, then
    // the called flow's set again in its caller): deriving the forms and building the search for them was about a
    // third of such a run's allocation. Bounded like the expression caches: cleared when full.
    private static readonly ConcurrentDictionary<string, SecretSet> Built = new(StringComparer.Ordinal);
    private const int MaxBuilt = 512;

    private readonly ImmutableHashSet<string> _registered;
    // Every form to replace, longest first, so a longer form is masked before a shorter one inside it.
    private readonly string[] _patterns;
    // One vectorized pass finds whether any form occurs, however many there are: text without secrets (nearly
    // all of it) costs one scan, not one per form.
    private readonly SearchValues<string>? _search;

    private SecretSet(ImmutableHashSet<string> registered, string[] patterns)
    {
        _registered = registered;
        _patterns = patterns;
        _search = patterns.Length == 0 ? null : SearchValues.Create(patterns, StringComparison.Ordinal);
        _shortest = patterns.Length == 0 ? int.MaxValue : patterns[^1].Length;
    }

    // The length of the shortest form: a text shorter than that holds none.
    private readonly int _shortest;

    public bool IsEmpty => _patterns.Length == 0;

    /// <summary>The values as registered (not their derived forms), to hand to another run.</summary>
    public IReadOnlyCollection<string> Values => _registered;

    // The sets one more value led to from this one (a run registers the same header value after the same
    // credentials every time): found without building the key of the whole set. Few, as a set is reached in few ways.
    private readonly ConcurrentDictionary<string, SecretSet> _next = new(StringComparer.Ordinal);
    private const int MaxNext = 8;

    public SecretSet Add(string value)
    {
        if (value is null || value.Length < MinLength || _registered.Contains(value)) return this;
        if (_next.TryGetValue(value, out var next)) return next;
        next = AddRange([value]);
        if (_next.Count < MaxNext) _next.TryAdd(value, next);
        return next;
    }

    public SecretSet AddRange(IEnumerable<string> values)
    {
        List<string>? added = null;
        foreach (var value in values)
        {
            if (value is null || value.Length < MinLength || _registered.Contains(value) || added?.Contains(value, StringComparer.Ordinal) == true) continue;
            (added ??= []).Add(value);
        }
        if (added is null) return this;
        var all = new string[_registered.Count + added.Count];
        ((ICollection<string>)_registered).CopyTo(all, 0);
        added.CopyTo(all, _registered.Count);
        Array.Sort(all, StringComparer.Ordinal);
        var key = new StringBuilder();
        foreach (var value in all) key.Append(value.Length).Append(':').Append(value);
        var name = key.ToString();
        if (Built.TryGetValue(name, out var known)) return known;
        var patterns = new HashSet<string>(_patterns, StringComparer.Ordinal);
        foreach (var value in added)
        foreach (var form in FormsOf(value))
            patterns.Add(form);
        var set = new SecretSet(_registered.Union(added), patterns.OrderByDescending(p => p.Length).ThenBy(p => p, StringComparer.Ordinal).ToArray());
        if (Built.Count >= MaxBuilt) Built.Clear();
        return Built.GetOrAdd(name, set);
    }

    // The unions this set was asked for, by the other set (sets are immutable, so a union is always the same): a
    // connector action's caller takes back the same called flow's set on every run, and the subset test walked
    // both immutable sets each time. Few, as with _next.
    private readonly ConcurrentDictionary<SecretSet, SecretSet> _unions = new(ReferenceEqualityComparer.Instance);

    // A set holding all of this one's values is the union itself (a caller taking back a called flow's set, which
    // started from its own).
    public SecretSet Union(SecretSet other)
    {
        if (other.IsEmpty || ReferenceEquals(other, this)) return this;
        if (IsEmpty) return other;
        if (_unions.TryGetValue(other, out var known)) return known;
        var union = _registered.IsSubsetOf(other._registered) ? other : AddRange(other._registered);
        if (_unions.Count < MaxNext) _unions.TryAdd(other, union);
        return union;
    }

    public bool Occurs(string text) => _search is not null && text.AsSpan().IndexOfAny(_search) >= 0;

    public string Scrub(string text)
    {
        if (!Occurs(text)) return text;
        foreach (var pattern in _patterns)
            if (text.Contains(pattern, StringComparison.Ordinal)) text = text.Replace(pattern, Mask, StringComparison.Ordinal);
        return text;
    }

    /// <summary>The value with every secret masked: a copy when one occurs, else the value itself.</summary>
    public JsonNode? Redact(JsonNode? value)
    {
        if (IsEmpty || value is null || !OccursIn(value, 0)) return value;
        var copy = value.DeepClone();
        return RedactInPlace(copy, 0);
    }

    /// <summary>Masks secrets inside a tree the caller owns; returns the (possibly replaced) root.</summary>
    public JsonNode? RedactInPlace(JsonNode? value, int depth = 0)
    {
        if (IsEmpty || depth > 512) return value;
        switch (value)
        {
            case JsonObject o:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    var child = o[key];
                    var redacted = RedactInPlace(child, depth + 1);
                    if (!ReferenceEquals(child, redacted)) o[key] = redacted;
                }
                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    var child = a[i];
                    var redacted = RedactInPlace(child, depth + 1);
                    if (!ReferenceEquals(child, redacted)) a[i] = redacted;
                }
                return a;
            default:
                return JsonValues.TryGetString(value, out var s) && Occurs(s) ? JsonValue.Create(Scrub(s)) : value;
        }
    }

    // Loops rather than LINQ, and strings read from a parsed response without copying them out first: a run scans
    // each response body several times (journal entries, outputs, the caller's record of a called flow).
    private bool OccursIn(JsonNode value, int depth)
    {
        if (depth > 512) return false;
        switch (value)
        {
            // Parsed text is scanned as it is: walking the object would materialize a node per member.
            case JsonObject o when ParsedJson.TryGetElement(o, out var parsed):
                return OccursIn(parsed, depth);
            case JsonObject o:
                for (var i = 0; i < o.Count; i++)
                    if (o.GetAt(i).Value is { } child && OccursIn(child, depth + 1)) return true;
                return false;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                    if (a[i] is { } item && OccursIn(item, depth + 1)) return true;
                return false;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return OccursInString(v);
            default:
                return false;
        }
    }

    // The type of a value read from a parsed document (a response body); asking any other value for its JsonElement
    // would serialize it into a new document.
    private static readonly Type ElementBacked = JsonValue.Create(JsonDocument.Parse("\"\"").RootElement)!.GetType();

    private bool OccursIn(JsonElement element, int depth)
    {
        if (depth > 512) return false;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject())
                    if (OccursIn(property.Value, depth + 1)) return true;
                return false;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray())
                    if (OccursIn(item, depth + 1)) return true;
                return false;
            case JsonValueKind.String:
                return OccursInParsed(element);
            default:
                return false;
        }
    }

    private bool OccursInString(JsonValue value)
    {
        if (value.GetType() != ElementBacked || !value.TryGetValue(out JsonElement element)) return Occurs(value.GetValue<string>());
        return OccursInParsed(element);
    }

    private bool OccursInParsed(JsonElement element)
    {
        // The string's raw UTF-8 as it was in the response: never fewer bytes than it has characters.
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (raw.Length >= 2 && raw[0] == (byte)'"') raw = raw[1..^1];
        if (raw.Length < _shortest) return false;
        if (raw.Length > 512 || raw.Contains((byte)'\\')) return Occurs(element.GetString()!);
        Span<char> text = stackalloc char[raw.Length];
        var length = Encoding.UTF8.GetChars(raw, text);
        return text[..length].IndexOfAny(_search!) >= 0;
    }

    /// <summary>The forms a secret is likely to be seen in, besides itself.</summary>
    internal static IEnumerable<string> FormsOf(string value)
    {
        var forms = new HashSet<string>(StringComparer.Ordinal) { value };
        // "Basic x", "Bearer x", "Token x": the credential alone.
        var space = value.IndexOf(' ');
        var credential = space > 0 && space < value.Length - 1 && value.IndexOf(' ', space + 1) < 0 ? value[(space + 1)..] : null;
        if (credential is { Length: >= MinLength }) forms.Add(credential);
        // A Basic credential decodes to "user:password": both the pair and the password.
        foreach (var candidate in new[] { credential, value })
            if (candidate is not null && TryDecodeBase64Text(candidate) is { } decoded)
            {
                forms.Add(decoded);
                var colon = decoded.IndexOf(':');
                if (colon >= 0 && decoded.Length - colon - 1 >= MinLength) forms.Add(decoded[(colon + 1)..]);
            }
        foreach (var form in forms.ToList())
        {
            forms.Add(Uri.EscapeDataString(form));
            forms.Add(System.Net.WebUtility.UrlEncode(form));
            foreach (var encoded in Base64Forms(form))
            {
                forms.Add(encoded);
                forms.Add(encoded.Replace('+', '-').Replace('/', '_'));
            }
        }
        return forms.Where(f => f.Length >= MinLength);
    }

    /// <summary>
    /// The Base64 text of the secret itself, and for each of the three byte alignments the characters that
    /// depend on the secret's bytes only: those appear whatever text surrounds the secret before encoding.
    /// </summary>
    private static IEnumerable<string> Base64Forms(string value)
    {
        var bytes = Encoding.UTF8.GetBytes(value);
        var whole = Convert.ToBase64String(bytes);
        yield return whole;
        yield return whole.TrimEnd('=');
        for (var offset = 0; offset < 3; offset++)
        {
            var padded = new byte[offset + bytes.Length + 2];
            bytes.CopyTo(padded, offset);
            var text = Convert.ToBase64String(padded);
            var first = (8 * offset + 5) / 6;
            var last = (8 * (offset + bytes.Length) - 6) / 6;
            if (last - first + 1 >= MinEncodedCore) yield return text[first..(last + 1)];
        }
    }

    private static string? TryDecodeBase64Text(string text)
    {
        if (text.Length < 8 || text.Length % 4 != 0) return null;
        var buffer = new byte[text.Length];
        if (!Convert.TryFromBase64String(text, buffer, out var written)) return null;
        string decoded;
        try { decoded = new UTF8Encoding(false, true).GetString(buffer, 0, written); }
        catch (DecoderFallbackException) { return null; }
        return decoded.Length >= MinLength && decoded.All(c => !char.IsControl(c)) ? decoded : null;
    }
}
