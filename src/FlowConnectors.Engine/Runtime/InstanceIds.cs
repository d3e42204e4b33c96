using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Ids for new instances and bookmarks: 32 hex digits of a UUID. An instance id is a version-7 UUID, whose leading digits
/// are the creation time in milliseconds. The stores index instances (and their journals and bookmarks) by this id;
/// ids that grow with time are appended at the right edge of those B-trees, so a batch of new runs dirties a
/// few pages instead of one random page per run (random ids cost a page write, and often a page read, each).
/// </summary>
/// <remarks>
/// The random bits come from the operating system's CSPRNG, as <see cref="Guid.NewGuid"/>'s do, but read 50 ids' worth
/// at a time per thread: here <see cref="Guid.NewGuid"/> is one read of /dev/urandom per id, a system call on every
/// run that costs about as much as the flow's own script.
/// </remarks>
public static class InstanceIds
{
    private const int RandomBytesPerId = 10;
    private const int BufferedIds = 50;

    [ThreadStatic] private static byte[]? t_random;
    [ThreadStatic] private static int t_next;

    /// <summary>A new id created at <paramref name="now"/> (the engine's clock, so time-skipping tests order ids too).</summary>
    public static string New(DateTimeOffset now)
    {
        var milliseconds = now.ToUnixTimeMilliseconds();
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(now));
        Span<byte> uuid = stackalloc byte[16];
        BinaryPrimitives.WriteInt64BigEndian(uuid[..8], milliseconds << 16);
        Random(uuid[6..]);
        uuid[6] = (byte)(0x70 | (uuid[6] & 0x0F));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));
        return Convert.ToHexStringLower(uuid);
    }

    /// <summary>A new random id (a version-4 UUID), for what is looked up by id but not listed in creation order.</summary>
    public static string NewRandom()
    {
        Span<byte> uuid = stackalloc byte[16];
        Random(uuid);
        uuid[6] = (byte)(0x40 | (uuid[6] & 0x0F));
        uuid[8] = (byte)(0x80 | (uuid[8] & 0x3F));
        return Convert.ToHexStringLower(uuid);
    }

    private static void Random(Span<byte> into)
    {
        var buffer = t_random ??= new byte[RandomBytesPerId * BufferedIds];
        if (t_next == 0 || t_next + into.Length > buffer.Length)
        {
            RandomNumberGenerator.Fill(buffer);
            t_next = 0;
        }
        buffer.AsSpan(t_next, into.Length).CopyTo(into);
        // Each byte is handed out once.
        buffer.AsSpan(t_next, into.Length).Clear();
        t_next += into.Length;
    }
}
