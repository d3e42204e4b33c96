using System.CommandLine;
using FlowConnectors.Engine;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc resume &lt;state.json&gt; --flow &lt;flow.json&gt; --bookmark &lt;id-or-name&gt;</c>: continues an
/// instance saved by <c>run --state-out</c>. Same output and exit codes as run.
/// </summary>
internal sealed class ResumeCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _state = new("state") { Description = "The instance state saved by 'flowc run --state-out', or with --store the instance id." };
    private readonly Option<string?> _flow = new("--flow") { Description = "The *.flow.json the instance runs (not with --store).", HelpName = "file" };
    private readonly Option<string?> _bookmark = new("--bookmark") { Description = "The bookmark to resume, by id or by name (not with --store).", HelpName = "id-or-name" };
    private readonly Option<string?> _payload = new("--payload-json", "--payload") { Description = "The stimulus payload: JSON text, or @file.", HelpName = "json|@file" };
    private readonly Option<string?> _store = new("--store") { Description = "The store of a durable instance ('flowc run --store').", HelpName = "sqlite:path" };
    private readonly Option<string?> _event = new("--event") { Description = "With --store: deliver this event (its name).", HelpName = "name" };
    private readonly Option<string?> _correlation = new("--correlation") { Description = "With --event: the event's correlation id.", HelpName = "id" };
    private readonly Option<string?> _callback = new("--callback") { Description = "With --store: deliver a callback with this token.", HelpName = "token" };
    private readonly Option<bool> _timers = new("--timers") { Description = "With --store: fire the instance's timers that are due." };
    private readonly Option<bool> _journal = new("--journal") { Description = "Print the full journal (inputs, outputs, errors) as JSON on stderr." };
    private readonly Option<string?> _stateOut = new("--state-out") { Description = "Where to save the instance state when the flow suspends again.", HelpName = "file" };
    private readonly NetworkOptions _network = new();
    private readonly Option<bool> _noWait = new("--no-wait") { Description = "Do not wait for delays; suspend instead." };

    public ResumeCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("resume", "Resumes a suspended flow instance through one of its bookmarks.")
        {
            _state, _flow, _bookmark, _payload, _journal, _stateOut, _noWait, _store, _event, _correlation, _callback, _timers,
        };
        _network.AddTo(Command);
        Command.SetAction((parsed, cancellationToken) => ExecuteAsync(parsed, cancellationToken));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var statePath = parsed.GetRequiredValue(_state);
        var payload = parsed.GetValue(_payload) is { } json ? Json.ParseArgument(json, "--payload-json", _directory) : null;
        if (parsed.GetValue(_store) is { } storeSpec) return await ResumeDurableAsync(parsed, storeSpec, statePath, payload);
        var flowPath = parsed.GetValue(_flow) ?? throw new CliException("Option '--flow' is required (or --store for a durable instance).");
        var wanted = parsed.GetValue(_bookmark) ?? throw new CliException("Option '--bookmark' is required (or --store for a durable instance).");

        FlowInstanceState state;
        try { state = FlowInstanceState.FromJson(FlowFiles.ReadText(statePath, _directory, "state file")); }
        catch (FlowStateException e) { throw new CliException($"{statePath}: {e.Message}"); }
        if (state.Bookmarks is null || state.Bookmarks.Count == 0)
            throw new CliException($"{statePath}: the instance has no bookmarks (it is {state.Status.ToString().ToLowerInvariant()})");
        var bookmark = FindBookmark(state, wanted, statePath);

        var engine = FlowSession.CreateEngine(flowPath, _directory, _network.Policy(parsed));
        var flow = FlowFiles.LoadForRun(flowPath, _directory, engine, _output);
        var session = new FlowSession(_output, engine, flow,
            new ReportOptions(parsed.GetValue(_journal), parsed.GetValue(_stateOut), parsed.GetValue(_noWait), flowPath, _directory));
        return await session.CompleteAsync(() => engine.ResumeAsync(flow, state, bookmark.Id, payload, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// A durable instance (<c>flowc run --store</c>): the stimulus (an event, a callback, or its due timers) finds
    /// its bookmark by hash and the instance resumes through the runtime's one run path, in this process.
    /// </summary>
    private async Task<int> ResumeDurableAsync(ParseResult parsed, string storeSpec, string instanceId, System.Text.Json.Nodes.JsonNode? payload)
    {
        var eventName = parsed.GetValue(_event);
        var token = parsed.GetValue(_callback);
        var timers = parsed.GetValue(_timers);
        if ((eventName is null ? 0 : 1) + (token is null ? 0 : 1) + (timers ? 1 : 0) != 1)
            throw new CliException("with --store give exactly one of --event <name> [--correlation <id>], --callback <token> or --timers");
        if (parsed.GetValue(_correlation) is not null && eventName is null) throw new CliException("--correlation goes with --event");
        await using var store = await Durable.DurableStore.OpenAsync(storeSpec, _directory, _network.Policy(parsed));
        FlowConnectors.Runtime.RunOutcome outcome;
        if (timers)
        {
            if (await store.FireDueTimersAsync(instanceId) == 0)
            {
                var stored = await store.Instances.GetAsync(instanceId) ?? throw new CliException($"instance '{instanceId}' does not exist in this store");
                throw new CliException($"instance '{instanceId}' has no timer due now; {store.WaitsFor(stored.State)}");
            }
            outcome = new FlowConnectors.Runtime.RunOutcome(null, false);
        }
        else
        {
            Engine.Stimuli.Stimulus stimulus = eventName is not null
                ? new Engine.Stimuli.EventStimulus(eventName, parsed.GetValue(_correlation))
                : new Engine.Stimuli.CallbackStimulus(token!);
            outcome = await store.DeliverAsync(instanceId, stimulus, payload);
        }
        if (outcome.Busy) throw new CliException($"instance '{instanceId}' is being run by another process; try again later");
        return await Durable.DurableReport.WriteAsync(_output, store, storeSpec, instanceId, outcome.Result);
    }

    private static Bookmark FindBookmark(FlowInstanceState state, string wanted, string statePath)
    {
        if (state.Bookmarks.Find(b => b.Id == wanted) is { } byId) return byId;
        var byName = state.Bookmarks.Where(b => b.Name == wanted).ToList();
        if (byName.Count == 1) return byName[0];
        var candidates = byName.Count > 1 ? byName : state.Bookmarks;
        var list = string.Join(", ", candidates.Select(b => $"{b.Id} ({b.Name} {CliOutput.Json(b.Payload, indented: false)} in node '{b.NodeId}')"));
        throw new CliException(byName.Count > 1
            ? $"{byName.Count} bookmarks are named '{wanted}'; pick one by id: {list}"
            : $"{statePath} has no bookmark '{wanted}'; it has {list}");
    }
}
