using System.Security.Cryptography;
using System.Text.Json;
using System.Text.RegularExpressions;
using FlowConnectors.Connectors.Connections;
using FlowConnectors.Persistence.Data;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;

namespace FlowConnectors.Persistence.Stores;

/// <summary>
/// Connections in the database. As in <see cref="FileConnectionStore"/>, secret parameter values and
/// OAuth tokens are encrypted with ASP.NET Core Data Protection (purpose
/// <c>FlowConnectors.Connections.v1</c>); plain values stay readable.
/// </summary>
internal sealed partial class EfConnectionStore : IConnectionStore
{
    private const string Purpose = "FlowConnectors.Connections.v1";
    private readonly IDbContextFactory<FlowConnectorsDbContext> _factory;
    private readonly IDataProtector _protector;

    [GeneratedRegex("^[A-Za-z0-9_-]{1,64}$")] private static partial Regex IdPattern();

    public EfConnectionStore(IDbContextFactory<FlowConnectorsDbContext> factory, IDataProtectionProvider protection)
    {
        _factory = factory;
        _protector = protection.CreateProtector(Purpose);
    }

    public async Task<Connection?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        await using var db = await _factory.CreateDbContextAsync(cancellationToken);
        var row = await db.Connections.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, cancellationToken);
        return row is null ? null : Decode(row);
    }

    public async Task<IReadOnlyList<Connection>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await _factory.CreateDbContextAsync(cancellationToken);
        var rows = await db.Connections.AsNoTracking().OrderBy(c => c.Id).ToListAsync(cancellationToken);
        return rows.Select(Decode).ToList();
    }

    public Task SaveAsync(Connection connection, CancellationToken cancellationToken = default)
    {
        CheckId(connection.Id);
        return StoreRetry.OnConflictAsync(async () =>
        {
            await using var db = await _factory.CreateDbContextAsync(cancellationToken);
            var row = await db.Connections.FirstOrDefaultAsync(c => c.Id == connection.Id, cancellationToken);
            var encoded = Encode(connection);
            if (row is null) db.Connections.Add(encoded);
            else
            {
                // The refresh lease belongs to whoever refreshes, not to this save.
                (encoded.RefreshLeaseOwner, encoded.RefreshLeaseExpiresAt) = (row.RefreshLeaseOwner, row.RefreshLeaseExpiresAt);
                db.Entry(row).CurrentValues.SetValues(encoded);
            }
            await db.SaveChangesAsync(cancellationToken);
        });
    }

    public async Task<bool> DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        CheckId(id);
        await using var db = await _factory.CreateDbContextAsync(cancellationToken);
        return await db.Connections.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken) > 0;
    }

    private static void CheckId(string id)
    {
        if (!IdPattern().IsMatch(id)) throw new ArgumentException($"connection id '{id}' may hold only letters, digits, '_' and '-'");
    }

    private ConnectionEntity Encode(Connection c) => new()
    {
        Id = c.Id,
        ConnectorKey = c.ConnectorKey,
        Name = c.Name,
        ValuesJson = JsonSerializer.Serialize(new SortedDictionary<string, string>(c.Values, StringComparer.Ordinal)),
        SecretsJson = JsonSerializer.Serialize(new SortedDictionary<string, string>(
            c.Secrets.ToDictionary(s => s.Key, s => _protector.Protect(s.Value)), StringComparer.Ordinal)),
        TokensCiphertext = c.Tokens is null ? null : _protector.Protect(JsonSerializer.Serialize(c.Tokens)),
        Status = c.Status.ToString(),
        StatusReason = c.StatusReason,
        Origin = c.Origin,
        CreatedAt = c.CreatedAt,
        UpdatedAt = c.UpdatedAt,
        LastTestedAt = c.LastTestedAt,
    };

    private Connection Decode(ConnectionEntity row)
    {
        try
        {
            var connection = new Connection
            {
                Id = row.Id,
                ConnectorKey = row.ConnectorKey,
                Name = row.Name,
                Status = Enum.TryParse<ConnectionStatus>(row.Status, out var status) ? status : ConnectionStatus.Authorized,
                StatusReason = row.StatusReason,
                Origin = row.Origin,
                CreatedAt = row.CreatedAt,
                UpdatedAt = row.UpdatedAt,
                LastTestedAt = row.LastTestedAt,
            };
            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(row.ValuesJson) ?? []) connection.Values[name] = value;
            foreach (var (name, value) in JsonSerializer.Deserialize<Dictionary<string, string>>(row.SecretsJson) ?? [])
                connection.Secrets[name] = _protector.Unprotect(value);
            if (row.TokensCiphertext is { } tokens) connection.Tokens = JsonSerializer.Deserialize<OAuthTokens>(_protector.Unprotect(tokens));
            return connection;
        }
        catch (CryptographicException)
        {
            // Never echo the ciphertext or the key material; say which connection and why.
            throw new ConnectionStoreException(
                $"connection '{row.Id}' cannot be decrypted: the data-protection key ring does not hold the key its secrets were encrypted with");
        }
    }
}
