using System.IO.Compression;

namespace FlowConnectors.Tests.Shared;

/// <summary>Test help shared by the connector and server test projects (linked into both).</summary>
internal static class PackageBytes
{
    /// <summary>Package bytes with one entry's content replaced (what tampering after packing looks like).</summary>
    public static byte[] Tamper(byte[] package, string entryName, Func<string, string> change)
    {
        using var buffer = new MemoryStream();
        buffer.Write(package);
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.GetEntry(entryName)!;
            string text;
            using (var reader = new StreamReader(entry.Open())) text = reader.ReadToEnd();
            entry.Delete();
            using var writer = new StreamWriter(zip.CreateEntry(entryName).Open());
            writer.Write(change(text));
        }
        return buffer.ToArray();
    }
}
