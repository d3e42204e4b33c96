using System.Text.Json.Nodes;
using SecretSet = FlowConnectors.Engine.Secrets.SecretSet;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// What a run records: its journal (one entry per node execution, up to <see cref="FlowEngineOptions.MaxJournalEntries"/>)
/// and its logs (up to <see cref="FlowEngineOptions.MaxLogEntries"/>), with a note of what was dropped past the limits.
/// A called flow's records are appended to its caller's. Logs are written under a lock: activities log from tasks
/// of their own.
/// </summary>
internal sealed class RunRecorder(FlowEngineOptions options, int callDepth, string journalPrefix)
{
    private readonly List<JournalEntry> _journal = [];
    private readonly List<LogEntry> _logs = [];
    private readonly Lock _sync = new();
    private int _droppedJournal;
    // Logs not kept because of MaxLogEntries (this run and the flows it called).
    private int _droppedLogs;

    public IReadOnlyList<JournalEntry> Journal => _journal;
    public IReadOnlyList<LogEntry> Logs => _logs;

    /// <summary>A new entry for a node starting now, or null when the journal is off.</summary>
    public JournalEntry? Begin(CompiledNode node) => options.Journal
        ? new JournalEntry { NodeId = journalPrefix + node.Id, ActivityType = node.Type.Descriptor.Type, StartedAt = options.Clock.GetUtcNow() }
        : null;

    /// <summary>Keeps the entry, unless the journal is full (<paramref name="always"/>: the entry that explains a fault is kept anyway).</summary>
    public void Add(JournalEntry entry, bool always = false)
    {
        if (always || _journal.Count < options.MaxJournalEntries) _journal.Add(entry);
        else _droppedJournal++;
    }

    public bool Contains(JournalEntry entry) => _journal.Contains(entry);

    public void Log(string nodeId, string level, string message)
    {
        lock (_sync)
        {
            if (_logs.Count < options.MaxLogEntries)
                _logs.Add(new LogEntry(options.Clock.GetUtcNow(), journalPrefix + nodeId, level, message));
            else
                _droppedLogs++;
        }
    }

    public void AppendChild(RunRecorder child)
    {
        foreach (var entry in child._journal) Add(entry);
        _droppedJournal += child._droppedJournal;
        lock (_sync)
        {
            var room = Math.Max(0, options.MaxLogEntries - _logs.Count);
            _logs.AddRange(child._logs.Take(room));
            _droppedLogs += Math.Max(0, child._logs.Count - room) + child._droppedLogs;
        }
    }

    /// <summary>The top-level run ends: what was dropped past the limits is said in one log line and one journal entry.</summary>
    public void Conclude(DateTimeOffset now)
    {
        if (callDepth != 0) return;
        lock (_sync)
        {
            if (_droppedLogs > 0)
            {
                _logs.Add(new LogEntry(now, "", "warning", $"{_droppedLogs:N0} more log entries were not kept (maxLogEntries {options.MaxLogEntries:N0})"));
                _droppedLogs = 0;
            }
        }
        if (_droppedJournal > 0)
        {
            _journal.Add(new JournalEntry
            {
                NodeId = "journal", ActivityType = "JournalLimit", StartedAt = now, Outcome = "dropped",
                Outputs = new Dictionary<string, JsonNode?>(StringComparer.Ordinal)
                {
                    ["dropped"] = _droppedJournal,
                    ["maxJournalEntries"] = options.MaxJournalEntries,
                    ["summary"] = $"{_droppedJournal:N0} more journal entries were not kept (maxJournalEntries {options.MaxJournalEntries:N0})",
                },
            });
            _droppedJournal = 0;
        }
    }

    public void ScrubLogs(SecretSet secrets)
    {
        lock (_sync)
            for (var i = 0; i < _logs.Count; i++)
                if (secrets.Occurs(_logs[i].Message)) _logs[i] = _logs[i] with { Message = secrets.Scrub(_logs[i].Message) };
    }
}
