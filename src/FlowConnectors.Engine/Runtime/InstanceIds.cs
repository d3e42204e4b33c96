using System.Buffers.Binary;
using System.Security.Cryptography;

namespace FlowConnectors.Engine.Runtime;

/// <summary>
/// Ids for new instances and bookmarks: 32 hex digits of a version-7 UUID, whose leading digits are the
/// creation time in milliseconds. The stores index instances (and their journals and bookmarks) by this id;
/// ids that grow with time are appended at the right edge of those B-trees, so a batch of new runs dirties a
/// few pages instead of one random page per run (random ids cost a page write, and often a page read, each).
/// </summary>
public static class InstanceIds
{
    // Random bytes are taken from a per-thread block filled by the cryptographic generator 32 ids at a time:
    // Guid.CreateVersion7 asks the OS for 16 bytes per id, which on Linux was a read of /dev/urandom per id
    // (two per connector action: the action's run and the called flow's).
    private const int BlockBytes = 16 * 32;
    [ThreadStatic] private static byte[]? t_block;
    [ThreadStatic] private static int t_used;

    /// <summary>A new id created at <paramref name="now"/> (the engine's clock, so time-skipping tests order ids too).</summary>
    public static string New(DateTimeOffset now)
    {
        // The same layout as Guid.CreateVersion7(now).ToString("N"): 48 bits of Unix milliseconds, the version
        // nibble 7, 12 random bits, the variant bits 10, 62 random bits.
        var milliseconds = now.ToUnixTimeMilliseconds();
        // Before 1970 does not fit; DateTimeOffset.MaxValue does (year 9999 is under 2^48 ms).
        ArgumentOutOfRangeException.ThrowIfNegative(milliseconds, nameof(now));
        Span<byte> id = stackalloc byte[16];
        TakeRandom(id);
        Span<byte> time = stackalloc byte[8];
        BinaryPrimitives.WriteInt64BigEndian(time, milliseconds);
        time[2..].CopyTo(id);
        id[6] = (byte)(0x70 | (id[6] & 0x0F));
        id[8] = (byte)(0x80 | (id[8] & 0x3F));
        return Convert.ToHexStringLower(id);
    }

    private static void TakeRandom(Span<byte> destination)
    {
        var block = t_block;
        if (block is null || t_used + destination.Length > block.Length)
        {
            block = t_block ??= new byte[BlockBytes];
            RandomNumberGenerator.Fill(block);
            t_used = 0;
        }
        var taken = block.AsSpan(t_used, destination.Length);
        taken.CopyTo(destination);
        // Bytes handed out are not kept: a later look at the block (a dump) shows none of the ids made from it.
        taken.Clear();
        t_used += destination.Length;
    }
}
