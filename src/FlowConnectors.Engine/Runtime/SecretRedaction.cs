using System.Text.Json.Nodes;
using SecretSet = FlowConnectors.Engine.Secrets.SecretSet;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// The secrets a run knows (secret inputs, connection credentials, values activities register) and their removal
/// from what the run records: journal inputs and outputs, errors, log messages, the fault. Copy-on-write under a
/// lock: an activity may register a secret from a task of its own (a parallel branch, a prefetched page) while the
/// scheduler scrubs with the set it read. Scanning costs nothing while the set is empty.
/// </summary>
internal sealed class SecretRedaction
{
    private SecretSet _secrets = SecretSet.Empty;
    private readonly Lock _sync = new();

    public SecretSet Set => _secrets;

    public bool IsEmpty => _secrets.IsEmpty;

    public void Register(string value)
    {
        if (value is null || value.Length < 4 || _secrets.Values.Contains(value)) return;
        lock (_sync) _secrets = _secrets.Add(value);
    }

    public void Register(IEnumerable<string> values)
    {
        lock (_sync) _secrets = _secrets.AddRange(values);
    }

    public void Inherit(SecretSet secrets)
    {
        lock (_sync) _secrets = _secrets.Union(secrets);
    }

    /// <summary>The mask shown instead of a secret input or output.</summary>
    public static JsonNode Masked() => JsonValue.Create(SecretSet.Mask);

    public string Scrub(string text) => _secrets.IsEmpty ? text : _secrets.Scrub(text);

    /// <summary>A copy of the value with every registered secret replaced, or the value itself if none occurs.</summary>
    public JsonNode? Redact(JsonNode? value) => _secrets.IsEmpty ? value : _secrets.Redact(value);

    public void RedactInputs(JournalEntry entry)
    {
        if (entry.Inputs is null || _secrets.IsEmpty) return;
        foreach (var key in entry.Inputs.Keys.ToList()) entry.Inputs[key] = Redact(entry.Inputs[key]);
    }

    /// <summary>
    /// At the end of a run: secrets registered late (by a later node, or a called flow) are masked in what was
    /// recorded before, and the state carries the set so that whatever serializes it masks them too.
    /// </summary>
    public void RedactConcluded(FlowInstanceState state, RunRecorder recorder)
    {
        var secrets = _secrets;
        if (secrets.IsEmpty) return;
        state.Secrets = state.Secrets is { } earlier ? earlier.Union(secrets) : secrets;
        if (state.Fault is { } fault && secrets.Occurs(fault.Message)) state.Fault = fault with { Message = secrets.Scrub(fault.Message) };
        foreach (var entry in recorder.Journal)
        {
            if (entry.Inputs is not null)
                foreach (var key in entry.Inputs.Keys.ToList()) entry.Inputs[key] = Redact(entry.Inputs[key]);
            if (entry.Outputs is not null)
                foreach (var key in entry.Outputs.Keys.ToList()) entry.Outputs[key] = Redact(entry.Outputs[key]);
            if (entry.Error is { } error) entry.Error = secrets.Scrub(error);
        }
        recorder.ScrubLogs(secrets);
    }
}
