using FlowConnectors.Engine.Activities;

namespace FlowConnectors.Http.Tests;

/// <summary>
/// A connection for tests: resolves relative URLs under a base URL and sends a bearer token that
/// changes each time credentials are refreshed.
/// </summary>
internal sealed class TestConnection(Uri baseUrl, string clientName = TestConnection.ClientNameForTests) : IConnectionHttpHandler
{
    public const string ClientNameForTests = "test-connector";

    private int _refreshes;
    public int Refreshes => _refreshes;
    public List<bool> AuthenticateCalls { get; } = [];

    public string Token => "token-" + _refreshes;

    public Uri ResolveUrl(ActivityContext context, string relativeUrl)
    {
        if (relativeUrl.StartsWith("//", StringComparison.Ordinal) || Uri.TryCreate(relativeUrl, UriKind.Absolute, out _) || relativeUrl.Contains(".."))
            throw new ActivityFaultException($"url '{relativeUrl}' must be relative to the connection's base URL");
        return new Uri(baseUrl, relativeUrl.TrimStart('/'));
    }

    public ValueTask AuthenticateAsync(ActivityContext context, HttpRequestMessage request, bool refreshed, CancellationToken ct)
    {
        AuthenticateCalls.Add(refreshed);
        if (refreshed) Interlocked.Increment(ref _refreshes);
        request.Headers.Authorization = new("Bearer", Token);
        return ValueTask.CompletedTask;
    }

    public bool CanRefresh(ActivityContext context) => true;

    public string ClientName(ActivityContext context) => clientName;
}
