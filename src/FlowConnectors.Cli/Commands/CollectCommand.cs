using System.CommandLine;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Spectre.Console;

namespace FlowConnectors.Cli.Commands;

/// <summary>
/// <c>flowc collect &lt;connector&gt;</c>: runs an import of a connector made from a data-collection template
/// now, through the running server's API (the server holds the encrypted connection and the
/// database), and shows its progress. Exit 0 when the import succeeded, 1 when it failed or was cancelled (with the
/// reason and where it stopped; what it stored is kept) or is suspicious (far fewer users than the last good run:
/// confirm it to make its data the visible one), 2 for bad usage or an unreachable server.
/// </summary>
internal sealed class CollectCommand
{
    public const string ServerVariable = "FLOWC_SERVER";
    public const string ApiKeyVariable = "FLOWC_API_KEY";

    private readonly CliOutput _output;
    private readonly WorkingDirectory _directory;
    private readonly Argument<string> _connector = new("connector") { Description = "The connector's key, e.g. slack-users (see GET /api/collection/sources)." };
    private readonly Option<string?> _server = new("--server") { Description = $"The server's URL; default ${ServerVariable} or http://127.0.0.1:5080." };
    private readonly Option<string?> _apiKey = new("--api-key") { Description = $"The server's API key; default ${ApiKeyVariable}, else the file given by --api-key-file." };
    private readonly Option<string?> _apiKeyFile = new("--api-key-file") { Description = "A file holding the API key; default data/api-key.txt (the server's data folder)." };

    public CollectCommand(CliOutput output, WorkingDirectory directory)
    {
        _output = output;
        _directory = directory;
        Command = new Command("collect", "Runs a data-collection import now through the server and shows its progress.") { _connector, _server, _apiKey, _apiKeyFile };
        Command.SetAction((parsed, ct) => ExecuteAsync(parsed.GetRequiredValue(_connector), parsed.GetValue(_server), parsed.GetValue(_apiKey), parsed.GetValue(_apiKeyFile), ct));
    }

    public Command Command { get; }

    /// <summary>How often the run is polled for progress.</summary>
    internal static TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    private async Task<int> ExecuteAsync(string connector, string? server, string? apiKey, string? apiKeyFile, CancellationToken ct)
    {
        var baseUrl = server ?? Environment.GetEnvironmentVariable(ServerVariable) ?? "http://127.0.0.1:5080";
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var baseUri) || baseUri.Scheme is not ("http" or "https"))
            throw new CliException($"--server must be an http(s) URL, got '{baseUrl}'");
        var key = apiKey ?? Environment.GetEnvironmentVariable(ApiKeyVariable) ?? ReadKeyFile(apiKeyFile ?? Path.Combine("data", "api-key.txt"), apiKeyFile is not null, _directory);
        using var http = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Add("X-Api-Key", key);
        http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));

        var started = await SendAsync(http, HttpMethod.Post, $"api/collection/sources/{Uri.EscapeDataString(connector)}/runs", baseUri, ct);
        var runId = (string?)started["id"] ?? throw new CliException("the server answered without a run id");
        _output.Note($"import {runId} of {connector} started");

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(_output.Err) });
        JsonNode run;
        if (console.Profile.Capabilities.Interactive)
        {
            run = started;
            await console.Progress()
                .Columns(new SpinnerColumn(), new TaskDescriptionColumn(), new ElapsedTimeColumn())
                .StartAsync(async progress =>
                {
                    var task = progress.AddTask(Describe(started)).IsIndeterminate();
                    run = await PollAsync(http, runId, baseUri, r => task.Description = Describe(r), ct);
                    task.Description = Describe(run);
                    task.IsIndeterminate(false).Value(task.MaxValue);
                    task.StopTask();
                });
        }
        else
        {
            // Not a terminal (piped, CI): one line per change instead of a redrawn bar.
            var last = "";
            run = await PollAsync(http, runId, baseUri, r =>
            {
                var line = Describe(r);
                if (line != last) _output.Note(line);
                last = line;
            }, ct);
        }

        var summary = $"{connector}: {(string?)run["status"]} — {(int?)run["pages"]} pages, {(int?)run["records"]} records, " +
                      $"{(int?)run["inserted"]} inserted, {(int?)run["updated"]} updated, {(int?)run["filtered"]} filtered out in {(long?)run["durationMs"]:N0} ms";
        _output.Out.WriteLine(summary);
        if ((string?)run["status"] == "succeeded") return ExitCodes.Ok;
        if ((string?)run["status"] == "suspicious")
        {
            // Not a failure of the run, but not data to rely on either: the previous data stays the visible one.
            _output.Error($"{(string?)run["warning"]}; confirm it with POST /api/collection/runs/{runId}/confirm (or in the designer)");
            return ExitCodes.Failed;
        }
        _output.Error($"{(string?)run["error"]} (stopped at {(string?)run["stoppedAt"]}; what was stored before is kept)");
        return ExitCodes.Failed;
    }

    private static string Describe(JsonNode run) =>
        $"{(string?)run["status"]}: page {(int?)run["pages"]}, {(int?)run["records"]} records, {(int?)run["inserted"]} new, {(int?)run["updated"]} updated";

    private async Task<JsonNode> PollAsync(HttpClient http, string runId, Uri baseUri, Action<JsonNode> onProgress, CancellationToken ct)
    {
        while (true)
        {
            var run = await SendAsync(http, HttpMethod.Get, $"api/collection/runs/{runId}", baseUri, ct);
            onProgress(run);
            if ((string?)run["status"] != "running") return run;
            await Task.Delay(PollInterval, ct);
        }
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, Uri baseUri, CancellationToken ct)
    {
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(new HttpRequestMessage(method, path), ct);
        }
        catch (HttpRequestException e)
        {
            throw new CliException($"cannot reach the server at {baseUri}: {e.Message}; start it with 'dotnet run --project src/FlowConnectors.Server' or pass --server");
        }
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? body = null;
            try { body = text.Length == 0 ? null : JsonNode.Parse(text); } catch (JsonException) { }
            if (response.IsSuccessStatusCode && body is not null) return body;
            var detail = (string?)body?["detail"] ?? (text.Length > 200 ? text[..200] : text);
            throw new CliException(response.StatusCode switch
            {
                HttpStatusCode.Unauthorized => $"the server at {baseUri} refused the API key (401); pass --api-key or --api-key-file",
                _ => $"{method} {path}: HTTP {(int)response.StatusCode}: {detail}",
            });
        }
    }

    private static string ReadKeyFile(string path, bool explicitlyGiven, WorkingDirectory directory)
    {
        var file = directory.Resolve(path);
        if (!File.Exists(file))
            throw new CliException(explicitlyGiven
                ? $"no such API key file: {path}"
                : $"no API key: pass --api-key, set ${ApiKeyVariable}, or run where the server's data/api-key.txt is");
        var key = File.ReadAllText(file).Trim();
        return key.Length > 0 ? key : throw new CliException($"the API key file {path} is empty");
    }
}
