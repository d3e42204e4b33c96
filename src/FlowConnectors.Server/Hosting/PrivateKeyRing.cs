using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace FlowConnectors.Server.Hosting;

/// <summary>
/// The data-protection key ring in a folder: Data Protection's own file repository, with the folder
/// 0700 and every key file made 0600 as soon as it is written.
/// </summary>
internal sealed class PrivateKeyRing(string folder, ILoggerFactory loggers) : IXmlRepository
{
    private readonly FileSystemXmlRepository _files = Create(folder, loggers);

    private static FileSystemXmlRepository Create(string folder, ILoggerFactory loggers)
    {
        DataFiles.CreatePrivateFolder(folder);
        DataFiles.RestrictFolderFiles(folder);
        return new FileSystemXmlRepository(new DirectoryInfo(folder), loggers);
    }

    public IReadOnlyCollection<XElement> GetAllElements() => _files.GetAllElements();

    public void StoreElement(XElement element, string friendlyName)
    {
        _files.StoreElement(element, friendlyName);
        DataFiles.RestrictFolderFiles(folder);
    }
}
