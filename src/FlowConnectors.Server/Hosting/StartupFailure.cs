using System.Data.Common;
using System.Net.Sockets;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// A server that cannot start (its port taken, its database unreachable, its data folder unwritable) says so in
/// one line on stderr and exits with 1: the operator needs the cause, not a stack trace.
/// </summary>
internal static class StartupFailure
{
    public const int ExitCode = 1;

    public static async Task<int> RunAsync(string[] args, Func<Task> run)
    {
        try
        {
            await run();
            return 0;
        }
        catch (OperationCanceledException)
        {
            // SIGTERM or Ctrl-C while the host was still starting: a requested stop, not a failure.
            await Console.Error.WriteLineAsync("FlowConnectors stopped before it finished starting.");
            return 0;
        }
        catch (Exception exception) when (Describe(exception) is { } line)
        {
            await Console.Error.WriteLineAsync($"FlowConnectors could not start: {line}");
            return ExitCode;
        }
    }

    /// <summary>The one line for a failure the operator can fix; null for a defect, which keeps its stack trace.</summary>
    internal static string? Describe(Exception exception)
    {
        var messages = Chain(exception).Select(e => e.Message.Trim()).Where(m => m.Length > 0).Distinct().ToList();
        var text = string.Join(" — ", messages);
        return Chain(exception).Any(IsEnvironmental) ? OneLine(text) : null;
    }

    private static bool IsEnvironmental(Exception e) => e switch
    {
        // A port in use, a host name that does not resolve, a refused database connection.
        SocketException or Microsoft.AspNetCore.Connections.AddressInUseException => true,
        IOException or UnauthorizedAccessException => true,
        // A malformed or refused connection string (Npgsql, SQLite), and missing settings reported by ServerApp.
        DbException or ArgumentException or StartupSettingException => true,
        _ => false,
    };

    private static IEnumerable<Exception> Chain(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
        {
            if (e is AggregateException aggregate)
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain)) yield return inner;
            else yield return e;
        }
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()));
}

/// <summary>A setting the server cannot start without, or one it cannot use.</summary>
internal sealed class StartupSettingException(string message) : Exception(message);
