using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Connectors.Runtime;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Cli.Commands;

/// <summary>A catalog flowc publishes to and installs from: a directory laid out for git, or a FlowConnectors server's catalog API.</summary>
internal abstract class PackageSource
{
    public abstract string Name { get; }

    public abstract Task<string> PublishAsync(CatalogPackage package, CancellationToken ct);

    public abstract Task<CatalogPackage> GetAsync(string key, string? version, bool includeUnapproved, CancellationToken ct);

    public const string ApiKeyVariable = "FLOWC_API_KEY";

    public static PackageSource Open(string catalog, string? apiKey, WorkingDirectory directory)
    {
        if (Uri.TryCreate(catalog, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
        {
            apiKey ??= Environment.GetEnvironmentVariable(ApiKeyVariable);
            if (string.IsNullOrEmpty(apiKey)) throw new CliException($"--catalog {catalog} is a server: give its API key with --api-key or {ApiKeyVariable}");
            return new Remote(uri, apiKey);
        }
        return new Folder(new DirectoryCatalog(directory.Resolve(catalog)));
    }

    /// <summary><c>key</c> or <c>key@version</c>.</summary>
    public static (string Key, string? Version) ParseReference(string reference)
    {
        var at = reference.IndexOf('@');
        var key = at < 0 ? reference : reference[..at];
        var version = at < 0 ? null : reference[(at + 1)..];
        if (key.Length == 0 || key.Contains('/') || key.Contains('\\') || key.StartsWith('.'))
            throw new CliException($"'{reference}' is not a connector reference (key or key@version, e.g. slack@1.0.0)");
        if (version is not null && !VersionRules.IsSemver(version))
            throw new CliException($"'{reference}': version '{version}' is not a semantic version (e.g. 1.2.3)");
        return (key, version);
    }

    public static FlowEngine Validator() => new(new FlowEngineOptions { Registry = CliActivities.Create() });

    private sealed class Folder(DirectoryCatalog catalog) : PackageSource
    {
        public override string Name => catalog.Root;

        public override Task<string> PublishAsync(CatalogPackage package, CancellationToken ct)
        {
            var validator = Validator();
            // A directory catalog is reviewed in the pull request that adds the version: what lands there is approved.
            var result = catalog.Publish(package, ReviewStatus.Approved, p => Packer.Validate(p, validator));
            return Task.FromResult(result.Created
                ? $"published {package.Reference} ({package.Digest}) to {catalog.Root}{(result.Previous is null ? "" : $"; {result.Diff!.ChangeCount} change(s) since {result.Previous}")}"
                : $"{package.Reference} is already in {catalog.Root} with the same digest; nothing changed");
        }

        public override Task<CatalogPackage> GetAsync(string key, string? version, bool includeUnapproved, CancellationToken ct)
        {
            if (!Directory.Exists(catalog.Root)) throw new CliException($"no catalog at {catalog.Root}: the directory does not exist");
            return Task.FromResult(catalog.Get(key, version, approvedOnly: !includeUnapproved));
        }
    }

    private sealed class Remote(Uri baseUri, string apiKey) : PackageSource
    {
        public override string Name => baseUri.ToString();

        private HttpClient Client()
        {
            var client = new HttpClient { BaseAddress = baseUri, Timeout = TimeSpan.FromMinutes(2) };
            client.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
            return client;
        }

        public override async Task<string> PublishAsync(CatalogPackage package, CancellationToken ct)
        {
            using var client = Client();
            using var content = new ByteArrayContent(package.ToBytes());
            content.Headers.ContentType = new MediaTypeHeaderValue("application/zip");
            using var response = await Send(() => client.PostAsync("api/catalog/packages", content, ct));
            var body = await Read(response, ct);
            return response.StatusCode == System.Net.HttpStatusCode.Created
                ? $"submitted {package.Reference} ({package.Digest}) to {baseUri}: {(string?)body?["status"]}"
                : $"{package.Reference} is already in {baseUri} with the same digest ({(string?)body?["status"]}); nothing changed";
        }

        public override async Task<CatalogPackage> GetAsync(string key, string? version, bool includeUnapproved, CancellationToken ct)
        {
            using var client = Client();
            var query = $"?includeUnapproved={(includeUnapproved ? "true" : "false")}{(version is null ? "" : "&version=" + Uri.EscapeDataString(version))}";
            using var response = await Send(() => client.GetAsync($"api/catalog/{Uri.EscapeDataString(key)}/package{query}", ct));
            if (!response.IsSuccessStatusCode) await Read(response, ct);
            return CatalogPackage.Read(await response.Content.ReadAsByteArrayAsync(ct), $"{baseUri}: {key}{(version is null ? "" : "@" + version)}");
        }

        private async Task<HttpResponseMessage> Send(Func<Task<HttpResponseMessage>> send)
        {
            try
            {
                return await send();
            }
            catch (HttpRequestException e)
            {
                throw new CliException($"cannot reach the catalog at {baseUri}: {e.Message}");
            }
        }

        /// <summary>The JSON body of a success; a problem answer becomes the same refusal a directory catalog gives.</summary>
        private static async Task<JsonNode?> Read(HttpResponseMessage response, CancellationToken ct)
        {
            var text = await response.Content.ReadAsStringAsync(ct);
            JsonNode? body = null;
            try { body = text.Length == 0 ? null : JsonNode.Parse(text); }
            catch (System.Text.Json.JsonException) { /* not JSON */ }
            if (response.IsSuccessStatusCode) return body;
            var details = (body?["errors"] as JsonArray)?.Select(e => (string?)e ?? e?.ToJsonString() ?? "").ToList() ?? [];
            var message = (string?)body?["detail"] ?? $"{(int)response.StatusCode} {response.ReasonPhrase}";
            var kind = (int)response.StatusCode switch
            {
                404 => CatalogErrorKind.NotFound,
                409 => CatalogErrorKind.Immutable,
                422 => CatalogErrorKind.Breaking,
                401 or 403 => throw new CliException($"the catalog refused the API key ({(int)response.StatusCode})"),
                _ => CatalogErrorKind.InvalidPackage,
            };
            throw new CatalogException(kind, message, details);
        }
    }
}

/// <summary>How every catalog command reports a refusal: the reason, then one line per detail; exit 1 for failing tests, else 2.</summary>
internal static class PackageErrors
{
    public static int Report(CliOutput output, CatalogException e)
    {
        output.Error(e.Message);
        foreach (var detail in e.Details) output.Err.WriteLine("  " + detail);
        return e.Kind == CatalogErrorKind.TestsFailed ? ExitCodes.Failed : ExitCodes.Usage;
    }
}
