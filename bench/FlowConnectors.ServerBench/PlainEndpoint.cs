using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.ServerBench;

/// <summary>
/// The baseline: a minimal API on 127.0.0.1 doing the flow's work without the engine — parse the
/// JSON order, the same transform in C#, the same response — and persisting the delivery (one
/// INSERT of the raw body into SQLite, WAL, synchronous=NORMAL, as the server's connections use).
/// </summary>
internal static class PlainEndpoint
{
    public const string Path = "/bench/ingress";

    public static async Task<(WebApplication App, Uri Url, string Database)> StartAsync(string dataFolder, string[] args)
    {
        var database = System.IO.Path.Combine(dataFolder, "plain.db");
        var connectionString = new SqliteConnectionStringBuilder { DataSource = database, Pooling = true }.ToString();
        await using (var setup = new SqliteConnection(connectionString))
        {
            await setup.OpenAsync();
            await using var command = setup.CreateCommand();
            command.CommandText = "PRAGMA journal_mode=WAL; CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY, received_at TEXT NOT NULL, body TEXT NOT NULL);";
            await command.ExecuteNonQueryAsync();
        }

        // No configuration reload: its file watcher covers the current folder (with everything written below it, the
        // server's SQLite files among them when the benchmark runs from /tmp), and spent CPU on every write there.
        var builder = WebApplication.CreateBuilder(["--hostBuilder:reloadConfigOnChange=false", .. args]);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        app.MapPost(Path, async (HttpRequest request) =>
        {
            using var buffer = new MemoryStream((int)(request.ContentLength ?? 1024));
            await request.Body.CopyToAsync(buffer);
            var bytes = buffer.ToArray();
            var order = JsonNode.Parse(bytes);
            if (order is not JsonObject o) return Results.BadRequest();
            var outputs = Transform(o);
            await using (var connection = new SqliteConnection(connectionString))
            {
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000; INSERT INTO deliveries (received_at, body) VALUES ($at, $body);";
                command.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O"));
                command.Parameters.AddWithValue("$body", Encoding.UTF8.GetString(bytes));
                await command.ExecuteNonQueryAsync();
            }
            return Results.Json(outputs);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address.TrimEnd('/') + Path), connectionString);
    }

    public static async Task<long> CountDeliveriesAsync(string connectionString)
    {
        await using var connection = new SqliteConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM deliveries;";
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The same transform as the flow's RunJavaScript node, giving the same outputs (orderId, total, record).</summary>
    public static JsonObject Transform(JsonObject o)
    {
        var items = o["items"]!.AsArray();
        double subtotal = 0;
        var itemCount = 0;
        var lines = new JsonArray();
        foreach (var item in items)
        {
            var qty = (int)item!["qty"]!;
            var price = (double)item["price"]!;
            subtotal += qty * price;
            itemCount += qty;
            lines.Add(new JsonObject { ["sku"] = (string?)item["sku"], ["quantity"] = qty, ["amount"] = R2(qty * price) });
        }
        var discount = (string?)o["coupon"] == "WELCOME10" ? R2(subtotal * 0.1) : 0;
        var total = R2(subtotal - discount + (double)o["shipping"]!);
        var customer = o["customer"]!;
        var record = new JsonObject
        {
            ["orderId"] = (string?)o["orderId"],
            ["customerId"] = (string?)customer["id"],
            ["email"] = ((string)customer["email"]!).ToLowerInvariant(),
            ["currency"] = ((string)o["currency"]!).ToUpperInvariant(),
            ["lines"] = lines,
            ["itemCount"] = itemCount,
            ["subtotal"] = R2(subtotal),
            ["discount"] = discount,
            ["total"] = total,
        };
        return new JsonObject { ["orderId"] = (string?)o["orderId"], ["total"] = total, ["record"] = record };
    }

    /// <summary>JavaScript's <c>Math.round(x * 100) / 100</c> (halves round up).</summary>
    private static double R2(double x) => Math.Floor(x * 100 + 0.5) / 100;

    /// <summary>A ~300-byte JSON order; <paramref name="n"/> varies ids, quantities and the coupon.</summary>
    public static byte[] Order(int n) => Encoding.UTF8.GetBytes(
        $$"""{"orderId":"ORD-{{n:D6}}","customer":{"id":"C-{{n % 97}}","name":"Ada Lovelace","email":"Ada.Lovelace{{n % 13}}@Example.com"},"currency":"eur","items":[{"sku":"SKU-1001","qty":{{1 + n % 3}},"price":19.99},{"sku":"SKU-2002","qty":1,"price":5.5},{"sku":"SKU-3003","qty":3,"price":7.25}],"shipping":4.95,"coupon":"{{(n % 2 == 0 ? "WELCOME10" : "")}}","note":"leave it at the door"}""");
}
