using System.Net;
using FlowConnectors.Http.Network;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;
using Polly;

namespace FlowConnectors.Http;

/// <summary>Registers the named HttpClients the HTTP activities send through.</summary>
public static class HttpServices
{
    /// <summary>The client used when a request does not go through a connection.</summary>
    public const string DefaultClientName = "FlowConnectors.Http";

    private static readonly Lazy<IHttpClientFactory> LazyDefaultFactory = new(() =>
        new ServiceCollection().AddFlowHttp().BuildServiceProvider().GetRequiredService<IHttpClientFactory>());

    /// <summary>
    /// A process-wide factory with the default client, built once, for hosts (and tests) whose
    /// engine has no <see cref="IHttpClientFactory"/> in its services.
    /// </summary>
    public static IHttpClientFactory DefaultFactory => LazyDefaultFactory.Value;

    /// <summary>
    /// Registers the default client (<see cref="DefaultClientName"/>) with the given or default settings.
    /// <paramref name="network"/> decides which addresses it may reach; without one, any (the server
    /// passes a restricted policy).
    /// </summary>
    public static IServiceCollection AddFlowHttp(this IServiceCollection services, HttpResilienceSettings? settings = null, NetworkPolicy? network = null) =>
        services.AddFlowHttpClient(DefaultClientName, settings ?? HttpResilienceSettings.Default, network);

    /// <summary>
    /// Registers a named client (one per connector) whose requests pass through retry, circuit
    /// breaker and attempt timeout built from <paramref name="settings"/>. Circuits are kept per
    /// host, so one failing API does not block another reached through the same client.
    /// </summary>
    public static IServiceCollection AddFlowHttpClient(this IServiceCollection services, string name, HttpResilienceSettings settings, NetworkPolicy? network = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        settings.Validate();
        network ??= NetworkPolicy.Unrestricted;
        services.AddHttpClient(name, client =>
            {
                // The activity's own timeout bounds the request; HttpClient's 100 s default would cut it short.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => PrimaryHandler(network))
            // The factory's own request logging is off: activities log what they sent (never a credential
            // or query string) and the factory's handlers cost a scope and two log calls per request.
            .RemoveAllLoggers()
            // Outermost: one span and count per call, around its retries.
            .AddHttpMessageHandler(() => new HttpTelemetry.Handler(name))
            // Retry delays, timeouts and the give-up time all run on the host's clock (a test's fake one too).
            .AddResilienceHandler("flow-" + name, (pipeline, context) => Configure(pipeline, settings, context.ServiceProvider.GetService<TimeProvider>() ?? TimeProvider.System,
                HttpTelemetry.ConnectorOf(name)))
            .SelectPipelineByAuthority();
        return services;
    }

    private static SocketsHttpHandler PrimaryHandler(NetworkPolicy network)
    {
        var handler = new SocketsHttpHandler
        {
            // Pooled handlers are shared by every flow: a cookie one API sets must never reach another caller.
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.All,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            // HttpRequestSender follows redirects itself: it decides per hop what may go to the new origin.
            AllowAutoRedirect = false,
        };
        if (network.IsRestricted)
        {
            handler.ConnectCallback = GuardedConnect.For(network);
            // Through a proxy the policy would only see the proxy's address, never the one the flow asked for.
            handler.UseProxy = false;
        }
        return handler;
    }

    private static void Configure(ResiliencePipelineBuilder<HttpResponseMessage> pipeline, HttpResilienceSettings settings, TimeProvider clock, string connector)
    {
        if (settings.MaxRetries > 0 || settings.GiveUpAfter is not null)
        {
            var retry = new HttpRetryStrategyOptions
            {
                MaxRetryAttempts = settings.GiveUpAfter is null ? settings.MaxRetries : int.MaxValue,
                Delay = settings.BaseDelay,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = settings.UseJitter,
                ShouldRetryAfterHeader = settings.HonourRetryAfter,
                MaxDelay = settings.MaxDelay,
            };
            var isTransient = retry.ShouldHandle;
            // A refusal of the network policy is final: retrying would only be refused again.
            retry.ShouldHandle = args => MayRetry(args.Context.GetRequestMessage(), settings) && WithinGiveUpTime(args.Context, settings, clock)
                                         && GuardedConnect.FindRefusal(args.Outcome.Exception) is null
                ? isTransient(args)
                : ValueTask.FromResult(false);
            retry.OnRetry = args =>
            {
                if (HttpTelemetry.IsRateLimited(args.Outcome.Result)) HttpTelemetry.RateLimitWait(connector, args.RetryDelay);
                return ValueTask.CompletedTask;
            };
            pipeline.AddRetry(retry);
        }
        if (settings.CircuitBreakerEnabled)
        {
            pipeline.AddCircuitBreaker(new HttpCircuitBreakerStrategyOptions
            {
                FailureRatio = settings.FailureRatio,
                MinimumThroughput = settings.MinimumThroughput,
                SamplingDuration = settings.SamplingDuration,
                BreakDuration = settings.BreakDuration,
            });
        }
        pipeline.AddTimeout(new HttpTimeoutStrategyOptions { Timeout = settings.AttemptTimeout });
    }

    internal const string IdempotencyKeyHeader = "Idempotency-Key";

    private static readonly ResiliencePropertyKey<long> FirstFailureKey = new("flow-http.first-failure");

    /// <summary>True until <see cref="HttpResilienceSettings.GiveUpAfter"/> has passed since the request's first failure.</summary>
    private static bool WithinGiveUpTime(ResilienceContext context, HttpResilienceSettings settings, TimeProvider clock)
    {
        if (settings.GiveUpAfter is not { } giveUpAfter) return true;
        var now = clock.GetTimestamp();
        if (!context.Properties.TryGetValue(FirstFailureKey, out var first))
        {
            context.Properties.Set(FirstFailureKey, now);
            return true;
        }
        return clock.GetElapsedTime(first, now) < giveUpAfter;
    }

    private static bool MayRetry(HttpRequestMessage? request, HttpResilienceSettings settings)
    {
        if (request is null || settings.RetryUnsafeMethods) return true;
        var unsafeMethod = request.Method == HttpMethod.Post || request.Method == HttpMethod.Patch;
        return !unsafeMethod || request.Headers.Contains(IdempotencyKeyHeader);
    }
}
