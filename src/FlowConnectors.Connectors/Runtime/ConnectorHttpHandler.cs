using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Connectors.Auth;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Engine;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Runtime;
using FlowConnectors.Http;

namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// Applies a connector's base URL and authentication to requests sent with <c>useConnection</c>.
/// Every credential it touches is registered as a secret of the run, so journals, logs and
/// errors show <c>***</c> even if a value is echoed back by an API.
/// </summary>
internal sealed class ConnectorHttpHandler(ConnectorRuntime runtime) : IConnectionHttpHandler
{
    public Uri ResolveUrl(ActivityContext context, string relativeUrl)
    {
        var manifest = runtime.Installed.For(context).Package.Manifest;
        var connection = runtime.Connections.ConnectionFor(context);
        var configured = ConnectorUrls.BaseUrlFor(manifest, connection);
        var baseUrl = Rewrite(configured);
        relativeUrl = ConnectorUrls.ExpandRelative(relativeUrl, manifest, connection);
        // An absolute URL (a Link: rel="next", a vendor's callback URL) must stay under the base URL:
        // the configured one, or the rewritten one of an offline test (whose recorded links point there).
        // Only text starting with "http" can parse as an http(s) URL; on Unix any "/path" parses as a file URL, a Uri
        // built per request for nothing.
        if (relativeUrl.AsSpan().TrimStart().StartsWith("http", StringComparison.OrdinalIgnoreCase) &&
            Uri.TryCreate(relativeUrl, UriKind.Absolute, out var absolute) && absolute.Scheme is "http" or "https")
        {
            var candidate = absolute.ToString();
            foreach (var root in new[] { configured.TrimEnd('/'), baseUrl.TrimEnd('/') })
                if (candidate.StartsWith(root + "/", StringComparison.OrdinalIgnoreCase) || candidate.StartsWith(root + "?", StringComparison.OrdinalIgnoreCase))
                    return ConnectorUrls.Resolve(baseUrl, candidate[root.Length..]);
        }
        return ConnectorUrls.Resolve(baseUrl, relativeUrl);
    }

    public bool CanRefresh(ActivityContext context) => runtime.Installed.For(context).Package.Manifest.Auth switch
    {
        { Kind: AuthKind.OAuth2ClientCredentials or AuthKind.OAuth2AuthorizationCode } => true,
        { Kind: AuthKind.Custom, Refreshable: true } => true,
        _ => false,
    };

    public string ClientName(ActivityContext context) => ConnectorRuntime.ClientNameOf(runtime.Installed.For(context).Package.Manifest.Key);

    public async ValueTask AuthenticateAsync(ActivityContext context, HttpRequestMessage request, bool refreshed, CancellationToken ct)
    {
        var loaded = runtime.Installed.For(context);
        var manifest = loaded.Package.Manifest;
        var connection = runtime.Connections.ConnectionFor(context);
        foreach (var secret in connection.SecretStrings()) context.RegisterSecret(secret);
        var auth = manifest.Auth;
        // Read by ConnectionCallHandler (budgets, expiry detectors) on every attempt of this request.
        request.Options.Set(ConnectionCall.Key, new ConnectionCall(connection.Id, Budgets.BudgetLanes.Parse(context.GetProperty(Budgets.BudgetLanes.Property)),
            CanRefresh(context), RelativePath(manifest, connection, request.RequestUri!)));
        // The request's own choice (an action imported from a Postman request that used another auth, or none).
        switch (ConnectionAuth.Of(request))
        {
            case null or "connection":
                break;
            case ConnectionAuth.None:
                return;
            case var name:
                auth = manifest.AdditionalAuth.GetValueOrDefault(name)
                    ?? throw new ActivityFaultException($"connector '{manifest.Key}' has no additional auth '{name}' (it has: {string.Join(", ", manifest.AdditionalAuth.Keys.Prepend("none").Prepend("connection"))})");
                break;
        }
        if (auth.Kind == AuthKind.None) return;
        await runtime.Connections.CheckOriginAsync(manifest, connection, request.RequestUri!, ct);
        switch (auth.Kind)
        {
            case AuthKind.Basic:
                var user = Required(connection, auth.UsernameParameter);
                var password = Required(connection, auth.PasswordParameter);
                request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
                return;
            case AuthKind.ApiKey:
                var token = Required(connection, auth.Parameter);
                if (auth.In == "query")
                {
                    request.RequestUri = AddQuery(request.RequestUri!, auth.Name, token);
                    return;
                }
                var value = string.IsNullOrEmpty(auth.TokenType) ? token : $"{auth.TokenType} {token}";
                request.Headers.Remove(auth.Name);
                request.Headers.TryAddWithoutValidation(auth.Name, value);
                return;
            case AuthKind.OAuth2ClientCredentials:
                var tokens = await ClientCredentialsAsync(manifest, connection, refreshed, ct);
                context.RegisterSecret(tokens.AccessToken);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens.AccessToken);
                return;
            case AuthKind.OAuth2AuthorizationCode:
                var current = await runtime.Connections.Refresher.GetAsync(manifest, connection, rejected: refreshed, ct);
                context.RegisterSecret(current.AccessToken);
                if (current.RefreshToken is { } refresh) context.RegisterSecret(refresh);
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", current.AccessToken);
                return;
            case AuthKind.Custom:
                await ApplyCustomAsync(context, loaded, connection, request, ct);
                return;
        }
    }

    // Its own method: a lambda in AuthenticateAsync made every request, whatever its auth, allocate the closure.
    private Task<OAuthTokens> ClientCredentialsAsync(ConnectorManifest manifest, Connection connection, bool refreshed, CancellationToken ct) =>
        runtime.Connections.Tokens.GetAsync(connection.Id,
            () => NewOAuthClient(manifest, connection).ClientCredentialsAsync(manifest, connection, ct), forceRefresh: refreshed, manifest.TokenExpiry.RefreshBefore);

    /// <summary>The request's path under the connector's base URL (what endpoint groups of a budget match), e.g. <c>/search</c>.</summary>
    private string RelativePath(ConnectorManifest manifest, Connection connection, Uri requestUri)
    {
        try
        {
            var basePath = ConnectorUrls.BasePathOf(Rewrite(ConnectorUrls.BaseUrlFor(manifest, connection)));
            var path = requestUri.AbsolutePath;
            return path.StartsWith(basePath, StringComparison.Ordinal) ? string.Concat("/", path.AsSpan(basePath.Length)) : path;
        }
        catch (Exception e) when (e is ActivityFaultException or UriFormatException)
        {
            return requestUri.AbsolutePath;
        }
    }

    internal OAuthClient NewOAuthClient(ConnectorManifest manifest, Connection connection) =>
        new(new HttpClient(new RewritingHandler(runtime.Installed.Loaded(manifest.Key).HttpHandlers, ConnectorRuntime.ClientNameOf(manifest.Key), Rewrite), disposeHandler: true),
            runtime.Options.Clock);

    /// <summary>Runs the connector's auth flow with the connection's parameters; applies the headers and query it returns.</summary>
    private async Task ApplyCustomAsync(ActivityContext context, LoadedConnector loaded, Connection connection, HttpRequestMessage request, CancellationToken ct)
    {
        var manifest = loaded.Package.Manifest;
        var flow = loaded.Compile(manifest.Auth.Flow);
        var inputs = new JsonObject();
        foreach (var parameter in flow.Definition.Inputs)
            if (connection.Get(parameter.Name) is { } value) inputs[parameter.Name] = value;
        var run = await loaded.Engine.RunAsync(flow, inputs, new RunOptions
        {
            Properties = new Dictionary<string, string>
            {
                [ConnectorRuntime.ConnectorProperty] = manifest.Key,
                [ConnectorRuntime.ConnectionProperty] = connection.Id,
            },
        }, ct);
        if (run.Status != FlowStatus.Finished)
            throw new ActivityFaultException($"authentication flow '{manifest.Auth.Flow}' failed: {run.Fault?.Message}");
        if (run.Outputs.GetValueOrDefault("headers") is JsonObject headers)
            foreach (var (name, value) in headers)
            {
                var text = Engine.Values.JsonValues.ToText(value);
                // Content negotiation headers describe the request, not who sends it: masking "application/json"
                // everywhere would only garble journals and outputs.
                if (!IsDescriptiveHeader(name)) context.RegisterSecret(text);
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, text);
            }
        if (run.Outputs.GetValueOrDefault("query") is JsonObject query)
            foreach (var (name, value) in query)
            {
                var text = Engine.Values.JsonValues.ToText(value);
                context.RegisterSecret(text);
                request.RequestUri = AddQuery(request.RequestUri!, name, text);
            }
    }

    private static bool IsDescriptiveHeader(string name) =>
        name.StartsWith("Accept", StringComparison.OrdinalIgnoreCase) || name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase);

    private string Rewrite(string url) => runtime.Connections.RewriteUrl(url);

    private static string Required(Connection connection, string parameter) =>
        connection.Get(parameter) ?? throw new ActivityFaultException($"authentication failed: connection parameter '{parameter}' is not set");

    private static Uri AddQuery(Uri uri, string name, string value)
    {
        var separator = string.IsNullOrEmpty(uri.Query) ? "?" : "&";
        return new Uri(uri + separator + Uri.EscapeDataString(name) + "=" + Uri.EscapeDataString(value));
    }

    /// <summary>Sends token requests through the connector's resilient client, to rewritten URLs in offline tests.</summary>
    private sealed class RewritingHandler(IHttpMessageHandlerFactory factory, string clientName, Func<string, string> rewrite) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            request.RequestUri = new Uri(rewrite(request.RequestUri!.ToString()));
            // Not through another HttpClient: the outer one already marked this message as sent, and a
            // second HttpClient.SendAsync of it throws. The factory's handler chain keeps the connector's resilience.
            using var invoker = new HttpMessageInvoker(factory.CreateHandler(clientName), disposeHandler: false);
            return await invoker.SendAsync(request, cancellationToken);
        }
    }
}
