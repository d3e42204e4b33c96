using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Xunit;

namespace FlowConnectors.Server.Tests.Access;

/// <summary>
/// Every operation of /openapi/v1.json, called with every role's API key and with no credentials, answers as the
/// table in access-matrix.md says: allowed (anything but 401/403), 403, and 401 without credentials.
/// </summary>
public sealed class AccessMatrixTests(AccessFixture fixture) : IClassFixture<AccessFixture>
{
    private static readonly string TablePath = Path.Combine(Repo.Root, "tests", "FlowConnectors.Server.Tests", "Access", "access-matrix.md");

    [Fact]
    public async Task Every_operation_answers_every_role_as_the_access_matrix_says()
    {
        var document = await fixture.Server.GetJsonAsync("/openapi/v1.json");
        var operations = new List<(string Method, string Path)>();
        foreach (var (path, item) in document["paths"]!.AsObject())
            foreach (var (method, _) in item!.AsObject())
                if (path.StartsWith("/api/", StringComparison.Ordinal)) operations.Add((method.ToUpperInvariant(), path));
        operations.Sort();

        var table = ReadTable();
        var observed = new StringBuilder();
        var mismatches = new List<string>();
        using var anonymous = new HttpClient { BaseAddress = fixture.Server.Address };
        var clients = AccessFixture.RoleNames.ToDictionary(r => r, r => fixture.KeyClient(fixture.Keys[r]));
        foreach (var (method, path) in operations)
        {
            var row = new List<string>();
            var none = await CallAsync(anonymous, method, path);
            if (none != 401) mismatches.Add($"{method} {path} without credentials: {none}, expected 401");
            foreach (var role in AccessFixture.RoleNames)
            {
                var status = await CallAsync(clients[role], method, path);
                var seen = status == 403 ? "403" : status == 401 ? "401" : "allow";
                row.Add(seen);
                if (table.TryGetValue((method, path), out var expected) && expected[role] != seen)
                    mismatches.Add($"{method} {path} as {role}: {seen} ({status}), the table says {expected[role]}");
            }
            observed.AppendLine($"| {method} | {path} | {string.Join(" | ", row)} |");
        }
        foreach (var client in clients.Values) client.Dispose();

        var missing = operations.Where(o => !table.ContainsKey(o)).Select(o => $"{o.Method} {o.Path}").ToList();
        var extra = table.Keys.Where(k => !operations.Contains(k)).Select(k => $"{k.Method} {k.Path}").ToList();
        if (missing.Count + extra.Count + mismatches.Count > 0)
            File.WriteAllText(Path.Combine(Path.GetTempPath(), "access-matrix.observed.md"), observed.ToString());
        missing.ShouldBeEmpty($"operations without a row in {TablePath} (a new endpoint declares its permission; add its row)");
        extra.ShouldBeEmpty("rows for operations the server no longer has");
        mismatches.ShouldBeEmpty();
        operations.Count.ShouldBeGreaterThan(50);
    }

    private static async Task<int> CallAsync(HttpClient client, string method, string template)
    {
        // Path parameters get a value that names nothing, so an allowed call changes nothing (404, 400 or 422).
        var path = System.Text.RegularExpressions.Regex.Replace(template, "\\{[^}]+\\}", "1");
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method is "POST" or "PUT" or "PATCH") request.Content = JsonContent.Create(new JsonObject());
        using var response = await client.SendAsync(request);
        return (int)response.StatusCode;
    }

    private static Dictionary<(string Method, string Path), Dictionary<string, string>> ReadTable()
    {
        var rows = new Dictionary<(string, string), Dictionary<string, string>>();
        foreach (var line in File.ReadAllLines(TablePath))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length != AccessFixture.RoleNames.Length + 4 || cells[1] is "method" || cells[1].StartsWith('-')) continue;
            var answers = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < AccessFixture.RoleNames.Length; i++) answers[AccessFixture.RoleNames[i]] = cells[3 + i];
            rows[(cells[1], cells[2])] = answers;
        }
        return rows;
    }
}
