using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Cli;

/// <summary>
/// Where flowc writes: results (flow outputs, validation problems, descriptors) on stdout; progress,
/// logs, journals and errors on stderr, so stdout can be piped into other tools.
/// </summary>
internal sealed class CliOutput(TextWriter stdout, TextWriter stderr)
{
    private static readonly JsonWriterOptions Indented = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions Compact = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public TextWriter Out { get; } = stdout;
    public TextWriter Err { get; } = stderr;

    /// <summary><c>error: message</c> on stderr, always one line.</summary>
    public void Error(string message) => Err.WriteLine("error: " + OneLine(message));

    public void Note(string line) => Err.WriteLine(line);

    /// <summary><c>file: $.path: message</c> (or <c>file: $.path: warning: message</c>), one per line.</summary>
    public static void WriteProblems(TextWriter to, string file, IEnumerable<FormatProblem> problems)
    {
        foreach (var problem in problems) to.WriteLine($"{file}: {OneLine(problem.ToString())}");
    }

    public void WriteJson(TextWriter to, JsonNode? value) => to.Write(Json(value, indented: true) + "\n");

    public static string Json(JsonNode? value, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, indented ? Indented : Compact))
        {
            if (value is null) writer.WriteNullValue();
            else value.WriteTo(writer);
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary><c>1 file</c>, <c>3 files</c>.</summary>
    public static string Count(int n, string noun) => $"{n} {noun}{(n == 1 ? "" : "s")}";

    public static string OneLine(string text) => text.ReplaceLineEndings(" ");
}
