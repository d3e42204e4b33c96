using FlowConnectors.Connectors.Manifest;
using FlowConnectors.Testing;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Catalog;

/// <summary>Makes a package from a connector folder: validation and the offline tests first, then the secret scan.</summary>
public static class Packer
{
    public static async Task<CatalogPackage> PackAsync(string folder, FlowEngine validator, CancellationToken cancellationToken = default)
    {
        if (!Directory.Exists(folder)) throw new CatalogException(CatalogErrorKind.InvalidPackage, $"no such directory: {folder}");
        var connector = Load(folder, validator);
        var failures = new List<string>();
        foreach (var report in await FixtureRunner.RunAllAsync(connector, cancellationToken))
            if (!report.Passed)
                failures.AddRange(new[] { $"FAIL {report.File}" }.Concat(report.Differences.Select(d => "    " + d)));
        if (failures.Count > 0)
            throw new CatalogException(CatalogErrorKind.TestsFailed, $"{connector.Manifest.Key}: the connector's offline tests fail; nothing was packed", failures);
        var package = CatalogPackage.FromFiles(CatalogPackage.CollectFiles(connector));
        var secrets = SecretScanner.Scan(package.Files);
        if (secrets.Count > 0)
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{folder}: refused: it holds {secrets.Count} secret-looking value(s); nothing was packed", secrets);
        return package;
    }

    /// <summary>Checks a package as a connector (unpacked to a temporary folder and loaded like any connector folder).</summary>
    public static void Validate(CatalogPackage package, FlowEngine validator)
    {
        var temp = Path.Combine(Path.GetTempPath(), "flowconnectors-validate-" + Guid.NewGuid().ToString("N"));
        try
        {
            package.WriteTo(temp);
            Load(temp, validator, package.Reference);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    /// <summary>Runs a package's offline tests (unpacked to a temporary folder); the reports of every fixture.</summary>
    public static async Task<IReadOnlyList<FixtureReport>> TestAsync(CatalogPackage package, FlowEngine validator, CancellationToken cancellationToken = default)
    {
        var temp = Path.Combine(Path.GetTempPath(), "flowconnectors-test-" + Guid.NewGuid().ToString("N"));
        try
        {
            package.WriteTo(temp);
            return await FixtureRunner.RunAllAsync(Load(temp, validator, package.Reference), cancellationToken);
        }
        finally
        {
            if (Directory.Exists(temp)) Directory.Delete(temp, recursive: true);
        }
    }

    private static ConnectorPackage Load(string folder, FlowEngine validator, string? name = null)
    {
        var (connector, problems) = ConnectorPackage.Load(folder, validator);
        if (connector is not null) return connector;
        var missing = problems.Any(p => p.Code == "MANIFEST_MISSING");
        throw new CatalogException(CatalogErrorKind.InvalidPackage,
            missing ? $"{name ?? folder}: no {ManifestReader.FileName} (missing manifest)" : $"{name ?? folder} is not a valid connector",
            problems.Where(p => p.IsError).Select(p => $"{p.File}: {p.Path}: {p.Code}: {p.Message}").ToList());
    }
}
