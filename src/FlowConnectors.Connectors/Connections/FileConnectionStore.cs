using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.DependencyInjection;

namespace FlowConnectors.Connectors.Connections;

/// <summary>
/// One JSON file per connection. Secret parameter values and OAuth tokens are encrypted with ASP.NET
/// Core Data Protection (keys in a key-ring folder beside the store); plain values stay readable.
/// Writes go to a temporary file first, so a crash never leaves half a connection.
/// </summary>
public sealed partial class FileConnectionStore : IConnectionStore
{
    private const string Purpose = "FlowConnectors.Connections.v1";
    private readonly string _directory;
    private readonly IDataProtector _protector;
    private readonly SemaphoreSlim _gate = new(1, 1);

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")] private static partial Regex IdPattern();

    public FileConnectionStore(string directory, IDataProtectionProvider? protection = null)
    {
        _directory = directory;
        Directory.CreateDirectory(directory);
        protection ??= KeysIn(Path.Combine(directory, ".keys"));
        _protector = protection.CreateProtector(Purpose);
    }

    /// <summary>
    /// A provider whose key ring is a folder: what DataProtectionProvider.Create gives, built from the Data Protection
    /// package itself (its Extensions package, and with it the ASP.NET Core framework, is not needed for that).
    /// </summary>
    private static IDataProtectionProvider KeysIn(string folder)
    {
        var services = new ServiceCollection();
        services.AddDataProtection().PersistKeysToFileSystem(new DirectoryInfo(folder));
        return services.BuildServiceProvider()
            .GetRequiredService<IDataProtectionProvider>();
    }

    public async Task<Connection?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var path = PathOf(id);
        if (!File.Exists(path)) return null;
        return Decode(JsonNode.Parse(await File.ReadAllTextAsync(path, cancellationToken))!.AsObject(), id);
    }

    public async Task<IReadOnlyList<Connection>> ListAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<Connection>();
        foreach (var file in Directory.GetFiles(_directory, "*.connection.json").Order(StringComparer.Ordinal))
        {
            var id = Path.GetFileName(file)[..^".connection.json".Length];
            if (await GetAsync(id, cancellationToken) is { } connection) result.Add(connection);
        }
        return result;
    }

    public async Task SaveAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        var path = PathOf(connection.Id);
        var json = Encode(connection).ToJsonString(new JsonSerializerOptions { WriteIndented = true });
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var temporary = path + ".tmp";
            await File.WriteAllTextAsync(temporary, json, cancellationToken);
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            _gate.Release();
        }
    }

    public Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        var path = PathOf(id);
        if (!File.Exists(path)) return Task.FromResult(false);
        File.Delete(path);
        return Task.FromResult(true);
    }

    private string PathOf(string id)
    {
        if (!IdPattern().IsMatch(id)) throw new ArgumentException($"connection id '{id}' may hold only letters, digits, '_' and '-'");
        return Path.Combine(_directory, id + ".connection.json");
    }

    private JsonObject Encode(Connection c)
    {
        var secrets = new JsonObject();
        foreach (var (name, value) in c.Secrets.OrderBy(s => s.Key, StringComparer.Ordinal)) secrets[name] = _protector.Protect(value);
        return new JsonObject
        {
            ["id"] = c.Id,
            ["connector"] = c.ConnectorKey,
            ["name"] = c.Name,
            ["values"] = new JsonObject(c.Values.OrderBy(v => v.Key, StringComparer.Ordinal).Select(v => KeyValuePair.Create(v.Key, (JsonNode?)v.Value))),
            ["secrets"] = secrets,
            ["tokens"] = c.Tokens is null ? null : _protector.Protect(JsonSerializer.Serialize(c.Tokens)),
            ["status"] = c.Status.ToString(),
            ["statusReason"] = c.StatusReason,
            ["origin"] = c.Origin,
            ["createdAt"] = c.CreatedAt,
            ["updatedAt"] = c.UpdatedAt,
        };
    }

    private Connection Decode(JsonObject o, string id)
    {
        try
        {
            var connection = new Connection
            {
                Id = (string?)o["id"] ?? id,
                ConnectorKey = (string?)o["connector"] ?? "",
                Name = (string?)o["name"] ?? "",
                Status = Enum.TryParse<ConnectionStatus>((string?)o["status"], out var status) ? status : ConnectionStatus.Authorized,
                StatusReason = (string?)o["statusReason"],
                Origin = (string?)o["origin"],
                CreatedAt = o["createdAt"]?.GetValue<DateTimeOffset>() ?? default,
                UpdatedAt = o["updatedAt"]?.GetValue<DateTimeOffset>() ?? default,
            };
            foreach (var (name, value) in o["values"]?.AsObject() ?? []) connection.Values[name] = (string?)value ?? "";
            foreach (var (name, value) in o["secrets"]?.AsObject() ?? []) connection.Secrets[name] = _protector.Unprotect((string?)value ?? "");
            if ((string?)o["tokens"] is { } tokens) connection.Tokens = JsonSerializer.Deserialize<OAuthTokens>(_protector.Unprotect(tokens));
            return connection;
        }
        catch (CryptographicException)
        {
            // Never echo the ciphertext or the key material; say which connection and why.
            throw new ConnectionStoreException($"connection '{id}' cannot be decrypted: the data-protection keys in {_directory}/.keys do not match");
        }
    }
}

public sealed class ConnectionStoreException(string message) : Exception(message);
