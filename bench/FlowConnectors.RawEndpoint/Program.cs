using System.Text.Json;
using System.Text.Json.Nodes;

// The floor the webhook is compared with: Kestrel on 127.0.0.1, POST /bench parses the JSON body,
// adds "added" = a * 2 and answers the object, as the Node-RED function and the server's flow do.
// Nothing is stored. Usage: dotnet FlowConnectors.RawEndpoint.dll --urls http://127.0.0.1:PORT
var builder = WebApplication.CreateBuilder(args);
var urls = builder.Configuration["urls"] ?? "";
if (urls.Length == 0 || !urls.Split(';').All(IsLoopback))
{
    Console.Error.WriteLine($"usage: FlowConnectors.RawEndpoint --urls http://127.0.0.1:PORT (loopback only; got '{urls}')");
    return 2;
}
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
var app = builder.Build();

app.MapPost("/bench", async (HttpRequest request, CancellationToken ct) =>
{
    JsonNode? body;
    try { body = await JsonNode.ParseAsync(request.Body, cancellationToken: ct); }
    catch (JsonException e) { return Results.Problem(statusCode: 400, title: "Malformed JSON", detail: e.Message); }
    if (body is not JsonObject order || order["a"] is not JsonValue a || !a.TryGetValue<double>(out var number))
        return Results.Problem(statusCode: 400, title: "Invalid body", detail: "the body must be a JSON object with a number at $.a");
    order["added"] = number * 2;
    return Results.Json(order);
});

await app.RunAsync();
return 0;

static bool IsLoopback(string url) =>
    Uri.TryCreate(url, UriKind.Absolute, out var uri) && System.Net.IPAddress.TryParse(uri.Host, out var address) && System.Net.IPAddress.IsLoopback(address);
