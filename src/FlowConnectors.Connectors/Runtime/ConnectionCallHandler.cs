using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Budgets;
using FlowConnectors.Connectors.Manifest;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>Which connection (and lane) a request is sent for: set on the request when credentials are added.</summary>
internal sealed record ConnectionCall(string ConnectionId, BudgetLane Lane, bool CanRefresh, string RelativePath)
{
    public static readonly HttpRequestOptionsKey<ConnectionCall> Key = new("FlowConnectors.ConnectionCall");
}

/// <summary>
/// The innermost handler of a connector's HTTP client (inside its retries), so every attempt is counted: it
/// waits for the connection's rate-limit budget, learns from the answer's rate-limit headers and 429s, and
/// turns a vendor's declared expiry signal into a 401 that the sender refreshes and retries once.
/// Requests without a connection (token requests, requests of flows without one) pass through.
/// </summary>
internal sealed class ConnectionCallHandler(ConnectorManifest manifest, RateBudgets budgets) : DelegatingHandler
{
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!request.Options.TryGetValue(ConnectionCall.Key, out var call)) return await base.SendAsync(request, cancellationToken);
        var ticket = manifest.RateLimits.Count > 0
            ? await budgets.AcquireAsync(manifest, call.ConnectionId, call.RelativePath, call.Lane, cancellationToken)
            : null;
        HttpResponseMessage response;
        try
        {
            response = await base.SendAsync(request, cancellationToken);
            // First: a pause the answer asks for is recorded before the answer is, so a call the budget holds back
            // until this answer is in (see BudgetWindow) sees the pause.
            await budgets.LearnAsync(manifest, call.ConnectionId, response, cancellationToken);
        }
        finally
        {
            if (ticket is not null) await ticket.CompleteAsync();
        }
        VendorAnswers.Current?.Record(response);
        if (call.CanRefresh && await ExpiryDetection.IsExpiredAsync(manifest.TokenExpiry, response, cancellationToken))
            return ExpiryDetection.AsUnauthorized(response);
        return response;
    }
}
