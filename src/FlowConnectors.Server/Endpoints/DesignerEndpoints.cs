using Microsoft.Extensions.FileProviders;

namespace FlowConnectors.Server.Endpoints;

/// <summary>
/// Serves the browser designer (designer/dist, built by Designer.targets) at '/', with index.html as the
/// fallback for client-side paths. The page holds nothing secret: the user signs in (a session cookie).
/// </summary>
internal static class DesignerEndpoints
{
    private const string ImmutableAsset = "public, max-age=31536000, immutable";
    private const string AlwaysRevalidate = "no-cache";
    private static readonly string[] ServerPrefixes = ["/api", "/hooks", "/webhooks", "/callbacks", "/oauth", "/openapi", "/auth", "/signin"];

    /// <summary>FlowConnectors:DesignerFolder when set, else designer/dist of the repository around the working or app folder.</summary>
    public static string? FindDist(IConfiguration configuration)
    {
        if (configuration["FlowConnectors:DesignerFolder"] is { Length: > 0 } configured)
            return Directory.Exists(configured) ? Path.GetFullPath(configured) : null;
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln")))
                {
                    var dist = Path.Combine(dir.FullName, "designer", "dist");
                    if (File.Exists(Path.Combine(dist, "index.html"))) return dist;
                    break;
                }
        return null;
    }

    public static void Map(WebApplication app, ILogger logger)
    {
        var dist = FindDist(app.Configuration);
        if (dist is null)
        {
            logger.LogInformation("The designer is not built (designer/dist/index.html not found); '/' serves nothing");
            return;
        }
        var files = new PhysicalFileProvider(dist);
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            // Vite names every file under assets/ by a hash of its content, so a browser may keep one for good (and
            // Chromium its compiled scripts with it) instead of asking again at every load; index.html names the
            // current ones, so it is asked for again each time.
            OnPrepareResponse = file => file.Context.Response.Headers.CacheControl =
                file.Context.Request.Path.StartsWithSegments("/assets") ? ImmutableAsset : AlwaysRevalidate,
        });
        // Client-side paths (GET or HEAD, no file extension, no endpoint matched) get the page; server paths keep
        // their own answers: 404 for an unknown one, 405 for a wrong method on a known one.
        app.Use(async (context, next) =>
        {
            var request = context.Request;
            if (context.GetEndpoint() is null && (HttpMethods.IsGet(request.Method) || HttpMethods.IsHead(request.Method)) &&
                !Path.HasExtension(request.Path.Value) && !ServerPrefixes.Any(p => request.Path.StartsWithSegments(p)))
            {
                context.Response.ContentType = "text/html; charset=utf-8";
                context.Response.Headers.CacheControl = AlwaysRevalidate;
                await context.Response.SendFileAsync(files.GetFileInfo("index.html"));
                return;
            }
            await next(context);
        });
    }
}
