using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Net;

namespace FlowConnectors.Http;

/// <summary>
/// A span and a count for every HTTP call a flow makes (after redirects and retries are decided per attempt by the
/// client below it), by connector and status; and the time calls waited because the API asked them to (429 or 503
/// with Retry-After). System.Diagnostics only: the host decides where they are exported.
/// </summary>
public static class HttpTelemetry
{
    public const string Name = "FlowConnectors.Http";
    public const string ConnectorTag = "flowconnectors.connector";

    internal static readonly ActivitySource Source = new(Name);
    private static readonly Meter Meter = new(Name);
    private static readonly Counter<long> Calls = Meter.CreateCounter<long>("flowconnectors.http.calls", "{call}",
        "HTTP calls flows made, by connector and status code (or error)");
    private static readonly Histogram<double> CallDuration = Meter.CreateHistogram<double>("flowconnectors.http.call.duration", "s",
        "How long HTTP calls of flows took, by connector");
    private static readonly Counter<long> RateLimitWaits = Meter.CreateCounter<long>("flowconnectors.http.rate_limit.waits", "{wait}",
        "Calls that waited because the API limited the rate (429, or 503 with Retry-After), by connector");
    private static readonly Histogram<double> RateLimitWaitTime = Meter.CreateHistogram<double>("flowconnectors.http.rate_limit.wait", "s",
        "How long calls waited for an API's rate limit, by connector");

    /// <summary>The connector a named client belongs to (<c>connector:&lt;key&gt;</c>), or <c>none</c> for plain requests.</summary>
    internal static string ConnectorOf(string clientName) =>
        clientName.StartsWith("connector:", StringComparison.Ordinal) ? clientName["connector:".Length..] : "none";

    internal static void RateLimitWait(string connector, TimeSpan delay)
    {
        var tag = new KeyValuePair<string, object?>(ConnectorTag, connector);
        RateLimitWaits.Add(1, tag);
        RateLimitWaitTime.Record(delay.TotalSeconds, tag);
    }

    internal static bool IsRateLimited(HttpResponseMessage? response) =>
        response is { StatusCode: HttpStatusCode.TooManyRequests }
        || response is { StatusCode: HttpStatusCode.ServiceUnavailable } && response.Headers.RetryAfter is not null;

    /// <summary>The outermost handler of a flow client: one span and one count per call the flow made.</summary>
    internal sealed class Handler(string clientName) : DelegatingHandler
    {
        private readonly string _connector = ConnectorOf(clientName);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var started = Stopwatch.GetTimestamp();
            using var span = Source.StartActivity("HTTP " + request.Method.Method, ActivityKind.Client);
            if (span is not null)
            {
                span.SetTag("http.request.method", request.Method.Method);
                span.SetTag("server.address", request.RequestUri?.Host);
                span.SetTag("server.port", request.RequestUri?.Port);
                // Scheme, host and path only: a query string may hold credentials.
                span.SetTag("url.full", request.RequestUri?.GetComponents(UriComponents.SchemeAndServer | UriComponents.Path, UriFormat.UriEscaped));
                span.SetTag(ConnectorTag, _connector);
            }
            string status = "error";
            try
            {
                var response = await base.SendAsync(request, cancellationToken);
                status = ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
                span?.SetTag("http.response.status_code", (int)response.StatusCode);
                if ((int)response.StatusCode >= 500) span?.SetStatus(ActivityStatusCode.Error);
                return response;
            }
            catch (Exception e)
            {
                span?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                throw;
            }
            finally
            {
                var connector = new KeyValuePair<string, object?>(ConnectorTag, _connector);
                Calls.Add(1, connector, new KeyValuePair<string, object?>("http.response.status_code", status));
                CallDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, connector);
            }
        }
    }
}
