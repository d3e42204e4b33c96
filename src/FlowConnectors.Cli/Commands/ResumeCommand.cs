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
    private readonly Argument<string> _state = new("state") { Description = "The instance state saved by 'flowc run --state-out'." };
    private readonly Option<string> _flow = new("--flow") { Description = "The *.flow.json the instance runs.", Required = true, HelpName = "file" };
    private readonly Option<string> _bookmark = new("--bookmark") { Description = "The bookmark to resume, by id or by name.", Required = true, HelpName = "id-or-name" };
    private readonly Option<string?> _payload = new("--payload-json") { Description = "The stimulus payload: JSON text, or @file.", HelpName = "json|@file" };
    private readonly Option<bool> _journal = new("--journal") { Description = "Print the full journal (inputs, outputs, errors) as JSON on stderr." };
    private readonly Option<string?> _stateOut = new("--state-out") { Description = "Where to save the instance state when the flow suspends again.", HelpName = "file" };
    private readonly NetworkOptions _network = new();
    private readonly Option<bool> _noWait = new("--no-wait") { Description = "Do not wait for delays; suspend instead." };

    public ResumeCommand(CliOutput output)
    {
        _output = output;
        Command = new Command("resume", "Resumes a suspended flow instance through one of its bookmarks.")
        {
            _state, _flow, _bookmark, _payload, _journal, _stateOut, _noWait,
        };
        _network.AddTo(Command);
        Command.SetAction((parsed, cancellationToken) => ExecuteAsync(parsed, cancellationToken));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var statePath = parsed.GetRequiredValue(_state);
        var flowPath = parsed.GetRequiredValue(_flow);
        var wanted = parsed.GetRequiredValue(_bookmark);
        var payload = parsed.GetValue(_payload) is { } json ? Json.ParseArgument(json, "--payload-json") : null;

        FlowInstanceState state;
        try { state = FlowInstanceState.FromJson(FlowFiles.ReadText(statePath, "state file")); }
        catch (FlowStateException e) { throw new CliException($"{statePath}: {e.Message}"); }
        if (state.Bookmarks is null || state.Bookmarks.Count == 0)
            throw new CliException($"{statePath}: the instance has no bookmarks (it is {state.Status.ToString().ToLowerInvariant()})");
        var bookmark = FindBookmark(state, wanted, statePath);

        var engine = FlowSession.CreateEngine(flowPath, _network.Policy(parsed));
        var flow = FlowFiles.LoadForRun(flowPath, engine, _output);
        var session = new FlowSession(_output, engine, flow,
            new ReportOptions(parsed.GetValue(_journal), parsed.GetValue(_stateOut), parsed.GetValue(_noWait), flowPath));
        return await session.CompleteAsync(() => engine.ResumeAsync(flow, state, bookmark.Id, payload, cancellationToken), cancellationToken);
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
