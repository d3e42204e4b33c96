using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.DataProtection;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// Signs callback URLs: <c>/callbacks/&lt;token&gt;.&lt;mac&gt;</c>, the MAC an HMAC-SHA256 of the token under
/// a server key. A request whose MAC does not match is refused before anything is read or stored, so
/// junk never reaches the inbox, and no answer depends on the state of an instance it names. The key
/// lives in the key-ring folder (0600) on SQLite; on PostgreSQL, where several nodes answer callbacks, it lives in the
/// database (ClusterSecrets), protected with the key ring the nodes share there.
/// </summary>
internal sealed class CallbackSigner
{
    public const string KeyFileName = "callback-signing.key";
    private readonly byte[] _key;

    /// <summary>A key every node of a cluster shares, stored in the database protected with the shared key ring.</summary>
    public static CallbackSigner FromDatabase(Persistence.IClusterSecrets secrets, IDataProtectionProvider protection)
    {
        var protector = protection.CreateProtector("FlowConnectors.ClusterSecrets.v1");
        var stored = secrets.GetOrAddAsync("callback-signing", () => protector.Protect(Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))))
            .GetAwaiter().GetResult();
        return new CallbackSigner(Convert.FromBase64String(protector.Unprotect(stored)));
    }

    private CallbackSigner(byte[] key) => _key = key;

    public CallbackSigner(string keyFolder)
    {
        DataFiles.CreatePrivateFolder(keyFolder);
        var path = Path.Combine(keyFolder, KeyFileName);
        if (!File.Exists(path))
        {
            var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
            // Synchronous on purpose: this runs inside ServerApp.BuildAsync; blocking on an async write there deadlocked
            // parallel test servers once the thread pool was saturated (reproduced with DOTNET_ThreadPool_ForceMaxWorkerThreads=4).
            DataFiles.WritePrivateText(temporary, Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)));
            // Two servers starting together: the first file to arrive wins and both use it.
            try { File.Move(temporary, path, overwrite: false); }
            catch (IOException) { File.Delete(temporary); }
        }
        DataFiles.RestrictFile(path);
        _key = Convert.FromBase64String(File.ReadAllText(path).Trim());
    }

    /// <summary>The token with its MAC appended, as the callback URL carries it.</summary>
    public string Sign(string token) => token + "." + Mac(token);

    /// <summary>The token inside a signed one; null when the MAC is missing or wrong.</summary>
    public string? Verify(string signed)
    {
        var dot = signed.LastIndexOf('.');
        if (dot <= 0) return null;
        var token = signed[..dot];
        var expected = Encoding.ASCII.GetBytes(Mac(token));
        var actual = Encoding.ASCII.GetBytes(signed[(dot + 1)..]);
        return CryptographicOperations.FixedTimeEquals(expected, actual) ? token : null;
    }

    private string Mac(string token) =>
        Convert.ToBase64String(HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(token)).AsSpan(0, 16)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
