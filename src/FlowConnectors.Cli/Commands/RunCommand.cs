using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc run &lt;flow.json&gt;</c>: runs a flow with inputs and prints its outputs as JSON.
/// Exit 0 finished, 1 faulted, 2 bad usage, invalid flow or invalid inputs, 3 suspended.
/// </summary>
internal sealed class RunCommand
{
    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _flow = new("flow") { Description = "The *.flow.json file to run." };
    private readonly Option<string[]> _inputs = new("--input", "-i")
    {
        Description = "A flow input as name=value; the value is read as JSON when it is valid JSON, else as text. Repeatable.",
        HelpName = "name=value",
    };
    private readonly Option<string?> _inputJson = new("--input-json") { Description = "A file holding a JSON object of inputs (--input wins).", HelpName = "file" };
    private readonly Option<bool> _journal = new("--journal") { Description = "Print the full journal (inputs, outputs, errors) as JSON on stderr." };
    private readonly Option<string?> _stateOut = new("--state-out") { Description = "Where to save the instance state when the flow suspends.", HelpName = "file" };
    private readonly NetworkOptions _network = new();
    private readonly Option<bool> _noWait = new("--no-wait") { Description = "Do not wait for delays; suspend instead." };
    private readonly Option<string?> _store = new("--store")
    {
        Description = "Run durably in this store (the server's runtime): the instance is persisted, and one that suspends is resumed later with 'flowc resume <instanceId> --store'.",
        HelpName = "sqlite:path",
    };

    public RunCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("run", "Runs a flow and prints its outputs as JSON.") { _flow, _inputs, _inputJson, _journal, _stateOut, _noWait, _store };
        _network.AddTo(Command);
        Command.SetAction((parsed, cancellationToken) => ExecuteAsync(parsed, cancellationToken));
    }

    public Command Command { get; }

    private async Task<int> ExecuteAsync(ParseResult parsed, CancellationToken cancellationToken)
    {
        var path = parsed.GetRequiredValue(_flow);
        var input = ReadInput(parsed.GetValue(_inputs) ?? [], parsed.GetValue(_inputJson), _directory);
        var engine = FlowSession.CreateEngine(path, _directory, _network.Policy(parsed));
        var flow = FlowFiles.LoadForRun(path, _directory, engine, _output);
        if (parsed.GetValue(_store) is { } storeSpec)
        {
            await using var store = await Durable.DurableStore.OpenAsync(storeSpec, _directory, _network.Policy(parsed));
            FlowConnectors.Runtime.StartResult started;
            try { started = await store.RunAsync(flow.Definition, input, cancellationToken); }
            catch (FlowConnectors.Engine.Runtime.FlowInputException e)
            {
                foreach (var problem in e.Problems) _output.Error(problem);
                return ExitCodes.Usage;
            }
            return await Durable.DurableReport.WriteAsync(_output, store, storeSpec, started.InstanceId, started.Result);
        }
        var session = new FlowSession(_output, engine, flow,
            new ReportOptions(parsed.GetValue(_journal), parsed.GetValue(_stateOut), parsed.GetValue(_noWait), path, _directory));
        return await session.CompleteAsync(() => engine.RunAsync(flow, input, cancellationToken: cancellationToken), cancellationToken);
    }

    /// <summary>The inputs from --input-json, then each --input on top.</summary>
    internal static JsonObject ReadInput(IReadOnlyList<string> pairs, string? inputJsonFile, WorkingDirectory directory)
    {
        var input = new JsonObject();
        if (inputJsonFile is not null)
        {
            var text = FlowFiles.ReadText(inputJsonFile, directory, "input file");
            JsonNode? parsed;
            try { parsed = JsonNode.Parse(text); }
            catch (JsonException e) { throw new CliException($"{inputJsonFile} is not valid JSON: {Json.Describe(e)}"); }
            if (parsed is not JsonObject obj) throw new CliException($"{inputJsonFile} must hold a JSON object of inputs");
            foreach (var (name, value) in obj.ToList())
            {
                obj.Remove(name);
                input[name] = value;
            }
        }
        foreach (var pair in pairs)
        {
            var equals = pair.IndexOf('=');
            if (equals <= 0) throw new CliException($"--input expects name=value, got '{pair}'");
            input[pair[..equals]] = Json.ParseOrText(pair[(equals + 1)..]);
        }
        return input;
    }
}
