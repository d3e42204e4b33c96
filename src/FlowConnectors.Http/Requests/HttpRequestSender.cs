using System.Globalization;
using System.Net;
using System.Net.Sockets;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Values;
using Polly.CircuitBreaker;
using Polly.Timeout;

namespace FlowConnectors.Http.Requests;

/// <summary>
/// The request machinery both HTTP activities share: resolves the URL (through the connection when
/// asked), builds the message, authenticates, sends through a named client from
/// <see cref="IHttpClientFactory"/> and reads the response. Failures become
/// <see cref="ActivityFaultException"/>s that name the host, never a credential.
/// </summary>
internal static class HttpRequestSender
{
    /// <summary>Sends the request; <paramref name="cancellation"/> replaces the activity's token (work started ahead of the flow).</summary>
    public static async Task<HttpResponseData> SendAsync(ActivityContext context, HttpRequestSpec spec, CancellationToken? cancellation = null)
    {
        // A negative or 60-day timeout faulted with .NET's "ArgumentOutOfRangeException: … (Parameter 'delay')".
        if (spec.Timeout <= TimeSpan.Zero || spec.Timeout > HttpLimits.MaxTimeout)
            throw new ActivityFaultException($"timeout must be more than 0 and at most {HttpLimits.MaxTimeout.TotalHours:0} hours, got {spec.Timeout}");
        var outer = cancellation ?? context.CancellationToken;
        var connection = spec.UseConnection ? FindConnection(context) : null;
        var uri = ResolveUrl(context, spec, connection);
        var host = uri.Authority;
        var factory = context.Services.GetService(typeof(IHttpClientFactory)) as IHttpClientFactory ?? HttpServices.DefaultFactory;
        var client = factory.CreateClient(connection?.ClientName(context) ?? HttpServices.DefaultClientName);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(outer);
        timeout.CancelAfter(spec.Timeout);
        try
        {
            var response = await SendOnceAsync(context, client, spec, uri, connection, refreshed: false, timeout.Token);
            if (connection is not null && response.StatusCode == HttpStatusCode.Unauthorized && spec.Auth != ConnectionAuth.None && connection.CanRefresh(context))
            {
                // Credentials may have expired since the connection last refreshed them: refresh once, retry once.
                response.Dispose();
                response = await SendOnceAsync(context, client, spec, uri, connection, refreshed: true, timeout.Token);
                if (response.StatusCode == HttpStatusCode.Unauthorized)
                {
                    response.Dispose();
                    throw new ActivityFaultException($"authentication failed (HTTP 401) at {host}, also after refreshing the connection's credentials");
                }
            }
            using (response)
            {
                var data = await ResponseReader.ReadAsync(response, uri, spec.MaxResponseBytes, timeout.Token);
                context.Log("debug", $"{spec.Method} {uri.Scheme}://{host}{uri.AbsolutePath} → {data.StatusCode}");
                return data;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !outer.IsCancellationRequested)
        {
            throw new ActivityFaultException($"no response from {host} within {Seconds(spec.Timeout)}");
        }
        catch (TimeoutRejectedException e)
        {
            throw new ActivityFaultException($"no response from {host} within {Seconds(e.Timeout)} (every attempt timed out)");
        }
        catch (BrokenCircuitException)
        {
            throw new ActivityFaultException($"requests to {host} are paused after repeated failures (circuit open); try again later");
        }
        catch (Exception e) when (Network.GuardedConnect.FindRefusal(e) is { } refusal)
        {
            throw new ActivityFaultException(refusal.Message);
        }
        catch (HttpRequestException e)
        {
            throw new ActivityFaultException(e.HttpRequestError is HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError
                or HttpRequestError.SecureConnectionError or HttpRequestError.ProxyTunnelError
                ? $"could not connect to {host}: {Reason(e)}"
                : $"request to {host} failed: {Reason(e)}");
        }
    }

    private static IConnectionHttpHandler FindConnection(ActivityContext context) =>
        context.Services.GetService(typeof(IConnectionHttpHandler)) as IConnectionHttpHandler
        ?? throw new ActivityFaultException("useConnection is true but this host provides no connection for HTTP requests (no IConnectionHttpHandler is registered)");

    private static Uri ResolveUrl(ActivityContext context, HttpRequestSpec spec, IConnectionHttpHandler? connection)
    {
        Uri uri;
        if (spec.SameOriginAs is { } origin)
        {
            if (!TryAbsoluteHttp(spec.Url, out uri) || Uri.Compare(uri, origin, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) != 0)
                throw new ActivityFaultException($"the API sent a next-page URL on another origin ({Describe(spec.Url)}); the request is not sent there");
            return QueryString.Append(uri, spec.Query);
        }
        if (connection is not null)
            uri = connection.ResolveUrl(context, spec.Url);
        else if (!TryAbsoluteHttp(spec.Url, out uri))
            throw new ActivityFaultException(Uri.TryCreate(spec.Url, UriKind.Relative, out _) && spec.Url.Length > 0
                ? $"url '{spec.Url}' is relative; a relative URL needs useConnection: true"
                : $"url '{spec.Url}' is not an absolute http or https URL");
        return QueryString.Append(uri, spec.Query);
    }

    private static bool TryAbsoluteHttp(string url, out Uri uri) =>
        Uri.TryCreate(url, UriKind.Absolute, out uri!) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps) && uri.Host.Length > 0;

    private static string Describe(string url) => TryAbsoluteHttp(url, out var uri) ? uri.Authority : $"'{url}'";

    /// <summary>Redirect hops followed at most, as browsers do; more fault the request.</summary>
    internal const int MaxRedirects = 10;

    /// <summary>
    /// Sends the request and follows redirects when the spec says so (by default only without a
    /// connection). On a hop to another origin the request goes without any header the flow or the
    /// connection set, and a 307/308 that would carry the body there is not followed: credentials, in
    /// a header, the query or the body, stay with the origin they were meant for. Every hop goes through
    /// the client's connect step, so the network policy checks it too.
    /// </summary>
    private static async Task<HttpResponseMessage> SendOnceAsync(ActivityContext context, HttpClient client, HttpRequestSpec spec, Uri uri,
        IConnectionHttpHandler? connection, bool refreshed, CancellationToken ct)
    {
        var follow = spec.FollowRedirects ?? connection is null;
        var method = spec.Method;
        var current = uri;
        var crossedOrigin = false;
        var withBody = true;
        for (var hop = 0; ; hop++)
        {
            // A message can be sent only once, so every hop (and the retry after a 401) builds a fresh one.
            using var request = crossedOrigin
                ? new HttpRequestMessage(method, current)
                : BuildRequest(context, spec with { Method = method, Body = withBody ? spec.Body : null }, current);
            if (connection is not null && !crossedOrigin)
            {
                if (spec.Auth is not null) request.Options.Set(ConnectionAuth.Choice, spec.Auth);
                await connection.AuthenticateAsync(context, request, refreshed, ct);
                RegisterSensitiveValues(context, request);
            }
            var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            if (!follow || !IsRedirect(response.StatusCode) || response.Headers.Location is not { } location) return response;
            if (!Uri.TryCreate(current, location, out var next) || (next.Scheme != Uri.UriSchemeHttp && next.Scheme != Uri.UriSchemeHttps))
            {
                context.Log("warning", $"not following the redirect from {current.Authority}: its Location is not an http(s) URL");
                return response;
            }
            if (hop + 1 > MaxRedirects)
            {
                response.Dispose();
                throw new ActivityFaultException($"more than {MaxRedirects} redirects, the last from {current.Authority}; the request was stopped there");
            }
            var keepsMethod = response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
            var otherOrigin = !SameOrigin(uri, next);
            if (otherOrigin && keepsMethod && withBody && spec.Body is not null && !JsonValues.IsNull(spec.Body))
            {
                context.Log("warning", $"not following the {(int)response.StatusCode} redirect from {current.Authority} to {next.Authority}: it would send the request body to another origin");
                return response;
            }
            if (!keepsMethod && method != HttpMethod.Get && method != HttpMethod.Head)
            {
                // 303 always, and 301/302 after POST in practice: the next request is a GET without a body.
                method = HttpMethod.Get;
                withBody = false;
            }
            crossedOrigin |= otherOrigin;
            response.Dispose();
            current = next;
        }
    }

    private static bool IsRedirect(HttpStatusCode status) => status is HttpStatusCode.MovedPermanently or HttpStatusCode.Found
        or HttpStatusCode.SeeOther or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;

    private static bool SameOrigin(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.UriEscaped, StringComparison.OrdinalIgnoreCase) == 0;

    private static HttpRequestMessage BuildRequest(ActivityContext context, HttpRequestSpec spec, Uri uri)
    {
        var request = new HttpRequestMessage(spec.Method, uri) { Content = RequestContentBuilder.Build(spec.Body, spec.BodyFormat) };
        if (spec.Headers is not null)
        {
            foreach (var (name, value) in spec.Headers)
            {
                if (JsonValues.IsNull(value)) continue;
                var values = value is System.Text.Json.Nodes.JsonArray many
                    ? many.Where(v => !JsonValues.IsNull(v)).Select(JsonValues.ToText).ToArray()
                    : [JsonValues.ToText(value)];
                if (SensitiveHeaders.IsSensitive(name))
                    foreach (var secret in values) context.RegisterSecret(secret);
                AddHeader(request, name, values);
            }
        }
        if (!string.IsNullOrEmpty(spec.IdempotencyKey))
        {
            request.Headers.Remove(HttpServices.IdempotencyKeyHeader);
            request.Headers.TryAddWithoutValidation(HttpServices.IdempotencyKeyHeader, spec.IdempotencyKey);
        }
        return request;
    }

    private static void AddHeader(HttpRequestMessage request, string name, string[] values)
    {
        bool added;
        try
        {
            added = request.Headers.TryAddWithoutValidation(name, values);
            if (!added && request.Content is not null)
            {
                // Content-Type and friends belong to the content; the author's value replaces the encoder's.
                request.Content.Headers.Remove(name);
                added = request.Content.Headers.TryAddWithoutValidation(name, values);
            }
            else if (!added)
                added = IsContentHeader(name); // a content header without a body has nothing to describe
        }
        catch (FormatException)
        {
            added = false;
        }
        // Only the name: the value may be a credential.
        if (!added) throw new ActivityFaultException($"header '{name}' cannot be sent");
    }

    private static bool IsContentHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || name.Equals("Expires", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Last-Modified", StringComparison.OrdinalIgnoreCase) || name.Equals("Allow", StringComparison.OrdinalIgnoreCase);

    private static void RegisterSensitiveValues(ActivityContext context, HttpRequestMessage request)
    {
        foreach (var (name, values) in request.Headers)
        {
            if (!SensitiveHeaders.IsSensitive(name)) continue;
            foreach (var value in values)
            {
                context.RegisterSecret(value);
                // "Bearer abc": the token alone may also show up somewhere.
                var space = value.IndexOf(' ');
                if (space > 0) context.RegisterSecret(value[(space + 1)..]);
            }
        }
    }

    private static string Reason(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is SocketException socket) return socket.Message;
        return e.InnerException?.Message ?? e.Message;
    }

    public static string Seconds(TimeSpan duration) =>
        duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s";
}
