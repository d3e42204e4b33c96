using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FlowConnectors.Tests.Shared;
using Npgsql;

namespace FlowConnectors.Reliability.Tests;

/// <summary>
/// A real server process whose storage fails under it: its data folder is a small file system of its own (a tmpfs in its
/// own mount namespace) that fills up, or its PostgreSQL database stops accepting connections. What its clients are
/// answered, what it logs, and that it serves again once the storage is back, having lost nothing it acknowledged.
/// </summary>
public sealed class StorageFailureSpecs
{
    private const string Flow = """
        { "format": 1, "id": "hooked", "outputs": [ { "name": "echo", "type": "object" } ],
          "nodes": [ { "id": "hook", "type": "Http.Endpoint", "inputs": { "path": "full", "methods": [ "POST" ] } },
                     { "id": "out", "type": "SetOutput", "inputs": { "name": "echo", "value": { "js": "nodes.hook.body" } } } ],
          "connections": [ { "from": "hook:done", "to": "out" } ] }
        """;

    private const string Connector = """
        { "key": "roomy", "name": "Roomy", "baseUrl": "http://127.0.0.1:9", "authPingPath": "/me",
          "auth": { "kind": "apiKey", "parameter": "token", "tokenType": "Bearer" } }
        """;

    [Fact]
    public async Task A_full_disk_is_answered_503_with_retry_after_and_the_server_serves_again_once_there_is_room()
    {
        await using var server = await ServerProcess.StartAsync(Specs.FlowsWith("hooked", Flow), dataVolumeBytes: 24L << 20);
        var acknowledged = 0;
        async Task<HttpResponseMessage> PostAsync(int i) =>
            await server.Anonymous.PostAsync("hooks/full", new StringContent($$"""{"n":{{i}},"pad":"{{new string('x', 400)}}"}""", Encoding.UTF8, "application/json"));
        (await PostAsync(0)).StatusCode.ShouldBe(HttpStatusCode.OK);
        acknowledged++;
        // A key not used yet: its first use writes its last-use time, which will not fit.
        using var created = await server.Client.PostAsync("api/keys", new StringContent(@"{""name"":""reader""}", Encoding.UTF8, "application/json"));
        var createdText = await created.Content.ReadAsStringAsync();
        created.StatusCode.ShouldBe(HttpStatusCode.Created, createdText);
        using var reader = new HttpClient { BaseAddress = server.Address };
        reader.DefaultRequestHeaders.Add("X-Api-Key", (string)JsonNode.Parse(createdText)!["key"]!);

        // Whatever room is left goes to a file of the test's; the database's own files keep what they hold.
        var filler = server.AsSeenByServer(Path.Combine(server.DataFolder, "filler"));
        await using (var fill = new FileStream(filler, FileMode.Create, FileAccess.Write))
        {
            var block = new byte[64 * 1024];
            try { while (true) fill.Write(block); }
            catch (IOException) { }
            try { fill.Flush(); } catch (IOException) { }
        }

        // The database's files may still take a few writes (free pages, a recycled WAL); then every request is refused. On the
        // way a run whose finished rows did not fit may still have its smaller faulted row stored: it is answered as faulted.
        HttpResponseMessage? refused = null;
        for (var i = 1; i <= 2_000 && refused is null; i++)
        {
            var response = await PostAsync(i);
            if (response.StatusCode == HttpStatusCode.OK) acknowledged++;
            else if (response.StatusCode == HttpStatusCode.UnprocessableEntity)
                (await response.Content.ReadAsStringAsync()).ShouldContain("could not be saved after its run");
            else refused = response;
        }
        refused.ShouldNotBeNull("the server went on answering 200 with its disk full");
        await AssertFullAsync(refused);
        for (var i = 0; i < 20; i++) await AssertFullAsync(await PostAsync(10_000 + i));

        // A connector created now does not fit in the data folder either (its files are copied there before they are stored):
        // refused the same way, with no half-copied folder left to take the room.
        using (var connector = await server.Client.PostAsync("api/connectors", new StringContent(Connector, Encoding.UTF8, "application/json")))
        {
            var text = await connector.Content.ReadAsStringAsync();
            connector.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
            connector.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(60));
            var problem = JsonNode.Parse(text)!;
            ((string?)problem["title"]).ShouldBe("Storage full");
            ((string)problem["detail"]!).ShouldEndWith("disk is full (no space left on device): the request was not stored; send it again later");
        }
        var installed = server.AsSeenByServer(Path.Combine(server.DataFolder, "connectors"));
        (Directory.Exists(installed) ? Directory.GetDirectories(installed) : []).ShouldBeEmpty();

        // Logged as warnings naming the cause, held back to one line per 30 s; no stack trace, no error per request.
        var output = server.Output.ToList();
        var trace = output.FindIndex(line => line.Contains("   at ", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal));
        trace.ShouldBe(-1, $"an error or a stack trace was logged:\n{string.Join('\n', output.Skip(Math.Max(0, trace - 6)).Take(12))}");
        output.Count(line => line.Contains("answered 503: the database's disk is full", StringComparison.Ordinal)).ShouldBeInRange(1, 2);
        output.Count(line => line.Contains("could not be stored: the database's disk is full", StringComparison.Ordinal)).ShouldBeInRange(1, 2);

        // The management API: what it cannot store is refused the same way; what only reads still answers.
        for (var i = 0; i < 5; i++)
            await AssertFullAsync(await server.Client.PostAsync("api/flows/hooked/run", new StringContent("{}", Encoding.UTF8, "application/json")));
        // Their audit entries do not fit either: one warning per 30 s with the count, not one per request.
        server.Output.Count(line => line.Contains("could not write the audit entry", StringComparison.Ordinal)).ShouldBeInRange(1, 2);
        using (var read = await reader.GetAsync("api/instances?flowId=hooked&status=finished&take=1000"))
        {
            var text = await read.Content.ReadAsStringAsync();
            read.StatusCode.ShouldBe(HttpStatusCode.OK, text);
            JsonNode.Parse(text)!.AsArray().Count.ShouldBe(acknowledged);
        }

        // Room again: the same process serves, and every request it acknowledged is stored.
        File.Delete(filler);
        (await PostAsync(20_000)).StatusCode.ShouldBe(HttpStatusCode.OK);
        acknowledged++;
        var stored = await server.GetJsonAsync("api/instances?flowId=hooked&status=finished&take=1000");
        stored.AsArray().Count.ShouldBe(acknowledged);
        using (var connector = await server.Client.PostAsync("api/connectors", new StringContent(Connector, Encoding.UTF8, "application/json")))
            connector.StatusCode.ShouldBe(HttpStatusCode.Created, await connector.Content.ReadAsStringAsync());

        server.HasExited.ShouldBeFalse();
    }

    [Fact]
    public async Task A_PostgreSQL_database_that_refuses_connections_is_answered_503_and_the_server_serves_again_once_it_accepts_them()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync("fc_storage_refused_");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        async Task AdminAsync(string sql)
        {
            await using var admin = new NpgsqlConnection(TestPostgres.Server);
            await admin.OpenAsync();
            await using var command = new NpgsqlCommand(sql, admin);
            await command.ExecuteNonQueryAsync();
        }
        try
        {
            await using var server = await ServerProcess.StartAsync(Specs.FlowsWith("hooked", Flow), new Dictionary<string, string>
            {
                ["FlowConnectors__Database"] = "postgres",
                ["FlowConnectors__ConnectionString"] = connectionString,
            });
            var acknowledged = 0;
            async Task<HttpResponseMessage> PostAsync(int i) =>
                await server.Anonymous.PostAsync("hooks/full", new StringContent($$"""{"n":{{i}}}""", Encoding.UTF8, "application/json"));
            for (var i = 0; i < 5; i++)
            {
                (await PostAsync(i)).StatusCode.ShouldBe(HttpStatusCode.OK);
                acknowledged++;
            }

            // The database stops accepting connections, and the server's open ones are ended.
            await AdminAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS false");
            await AdminAsync($"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            var outageStarted = server.Output.Count;
            for (var i = 0; i < 20; i++)
            {
                using var response = await PostAsync(100 + i);
                var text = await response.Content.ReadAsStringAsync();
                response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
                response.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(10));
                var problem = JsonNode.Parse(text)!;
                ((string?)problem["title"]).ShouldBe("Storage unavailable");
                var detail = (string)problem["detail"]!;
                detail.ShouldStartWith("the database ");
                detail.ShouldEndWith(": the request was not stored; send it again later");
                detail.ShouldNotContain(connectionString);
            }
            // Some seconds of outage (the background workers poll every 50 ms here): warnings held back, no stack trace.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var outage = server.Output.Skip(outageStarted).ToList();
            outage.ShouldNotContain(line => line.Contains("   at ", StringComparison.Ordinal) || line.StartsWith("fail:", StringComparison.Ordinal),
                string.Join('\n', outage.Take(40)));
            // A warning (two lines) per kind of work that failed, each held back to one per 30 s: not one per poll or request.
            outage.Count.ShouldBeLessThan(30, string.Join('\n', outage.Take(60)));

            // Back: the same process serves again, and every request it acknowledged is stored.
            await AdminAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            HttpStatusCode status;
            do
            {
                using var response = await PostAsync(1_000);
                status = response.StatusCode;
                if (status != HttpStatusCode.OK) await Task.Delay(200);
            }
            while (status != HttpStatusCode.OK && DateTime.UtcNow < deadline);
            status.ShouldBe(HttpStatusCode.OK);
            acknowledged++;
            (await server.GetJsonAsync("api/instances?flowId=hooked&status=finished&take=1000")).AsArray().Count.ShouldBe(acknowledged);
        }
        finally
        {
            await AdminAsync($"ALTER DATABASE \"{database}\" ALLOW_CONNECTIONS true");
            await TestPostgres.DropDatabaseAsync(connectionString);
        }
    }

    private static async Task AssertFullAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable, text);
        response.Headers.RetryAfter.ShouldNotBeNull().Delta.ShouldBe(TimeSpan.FromSeconds(60));
        var problem = JsonNode.Parse(text)!;
        ((string?)problem["title"]).ShouldBe("Storage full");
        ((string?)problem["detail"]).ShouldBe("the database's disk is full (SQLite: database or disk is full): the request was not stored; send it again later");
    }
}
