using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// Keeps the warnings and errors an in-process server logs, so a browser spec that fails can say what the server saw
/// (its console output goes nowhere under <c>dotnet test</c>). Added to each app's logger factory after it is built.
/// </summary>
internal sealed class ServerLog
{
    private const int MaxLines = 200;
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Keeps what <paramref name="services"/>' app logs from now on (also through loggers it made before).</summary>
    public ServerLog AttachTo(IServiceProvider services, string app)
    {
        ((ILoggerFactory)services.GetService(typeof(ILoggerFactory))!).AddProvider(new Source(this, app));
        return this;
    }

    /// <summary>The kept lines, oldest first, or a note that there were none.</summary>
    public string Describe() => _lines.IsEmpty ? "(neither app logged a warning or error)" : string.Join(Environment.NewLine, _lines);

    // One per app, so each line says which app wrote it.
    private sealed class Source(ServerLog log, string app) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Logger(log, app + " ", categoryName);
        public void Dispose() { }
    }

    private void Add(string line)
    {
        _lines.Enqueue(line);
        while (_lines.Count > MaxLines) _lines.TryDequeue(out _);
    }

    private sealed class Logger(ServerLog log, string app, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            log.Add($"{DateTime.UtcNow:HH:mm:ss.fff} {app}{logLevel} {category}: {formatter(state, exception)}{(exception is null ? "" : Environment.NewLine + exception)}");
        }
    }
}
