using System.Text;
using FlowConnectors.Catalog;
using FlowConnectors.Persistence.Shared;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FlowConnectors.Persistence.Tests;

/// <summary>The catalog kept in the database (ICatalogStore): what one node publishes, every node sharing the database sees.</summary>
public abstract class CatalogStoreTests<TDatabase> : StoreTestBase<TDatabase> where TDatabase : ITestDatabase, new()
{
    private ConnectorCatalog Catalog => new(Get<ICatalogStore>());

    /// <summary>A connector that is only its manifest: enough for the store, whose rules are tested with real connectors elsewhere.</summary>
    private static CatalogPackage Package(string version, string description = "Posts messages.") =>
        CatalogPackage.FromFiles(new SortedDictionary<string, byte[]>(StringComparer.Ordinal)
        {
            ["connector.json"] = Encoding.UTF8.GetBytes($$"""
                {
                  "key": "notes",
                  "name": "Notes",
                  "version": "{{version}}",
                  "description": "{{description}}",
                  "baseUrl": "https://notes.example.com/api",
                  "auth": { "kind": "none" }
                }
                """),
        });

    [Fact]
    public async Task A_version_published_through_one_node_is_listed_reviewed_and_read_back_through_another()
    {
        var published = await Catalog.PublishAsync(Package("1.0.0"), ReviewStatus.Submitted);
        published.Created.ShouldBeTrue();
        (await Catalog.PublishAsync(Package("1.0.0"), ReviewStatus.Submitted)).Created.ShouldBeFalse();

        await using var other = BuildServices(Database.Options, new EphemeralDataProtectionProvider());
        var elsewhere = new ConnectorCatalog(other.GetRequiredService<ICatalogStore>());
        var listed = (await elsewhere.ListAsync()).ShouldHaveSingleItem();
        listed.Name.ShouldBe("Notes");
        listed.Versions.ShouldHaveSingleItem().Status.ShouldBe(ReviewStatus.Submitted);
        var refused = await Should.ThrowAsync<CatalogException>(() => elsewhere.GetAsync("notes", "1.0.0"));
        refused.Message.ShouldBe("notes@1.0.0 is submitted; only approved versions can be installed");

        (await elsewhere.ReviewAsync("notes", "1.0.0", ReviewStatus.Approved, null)).Status.ShouldBe(ReviewStatus.Approved);
        (await Catalog.GetAsync("notes", null)).Digest.ShouldBe(published.Version.Digest);
    }

    [Fact]
    public async Task Versions_come_back_in_version_order_and_a_published_version_is_immutable()
    {
        foreach (var version in new[] { "1.10.0", "1.2.0", "1.2.0-beta.1", "2.0.0" })
            await Catalog.PublishAsync(Package(version), ReviewStatus.Approved);
        (await Catalog.FindAsync("notes"))!.Versions.Select(v => v.Version).ShouldBe(["1.2.0-beta.1", "1.2.0", "1.10.0", "2.0.0"]);
        (await Catalog.GetAsync("notes", null)).Version.ShouldBe("2.0.0");

        var error = await Should.ThrowAsync<CatalogException>(() => Catalog.PublishAsync(Package("1.2.0", "Changed without a new version."), ReviewStatus.Approved));
        error.Kind.ShouldBe(CatalogErrorKind.Immutable);
        (await Catalog.FindAsync("notes"))!.Versions.Count.ShouldBe(4);

        var rejected = await Catalog.ReviewAsync("notes", "2.0.0", ReviewStatus.Rejected, "  breaks the old cards ");
        rejected.Reason.ShouldBe("breaks the old cards");
        (await Catalog.GetAsync("notes", null)).Version.ShouldBe("1.10.0");
    }

    [Fact]
    public async Task A_package_changed_in_the_database_is_reported_as_corrupt_not_installed()
    {
        await Catalog.PublishAsync(Package("1.0.0"), ReviewStatus.Approved);
        await using (var db = await Get<IDbContextFactory<SharedStateContext>>().CreateDbContextAsync())
        {
            var row = await db.CatalogVersions.SingleAsync();
            row.Package = Package("1.0.0", "Swapped behind the catalog's back.").ToBytes();
            await db.SaveChangesAsync();
        }
        var error = await Should.ThrowAsync<CatalogException>(() => Catalog.GetAsync("notes", "1.0.0"));
        error.Kind.ShouldBe(CatalogErrorKind.CorruptCatalog);
        error.Message.ShouldContain("digest mismatch");
    }

    [Fact]
    public async Task A_catalog_folder_is_copied_in_once_with_its_review_statuses()
    {
        var folder = Path.Combine(Path.GetTempPath(), "fc-catalog-import-" + Guid.NewGuid().ToString("N"));
        try
        {
            var directory = new DirectoryCatalog(folder);
            directory.Publish(Package("1.0.0"), ReviewStatus.Approved);
            directory.Publish(Package("1.1.0"), ReviewStatus.Submitted);
            directory.Review("notes", "1.1.0", ReviewStatus.Rejected, "typo in the name");
            // Already in the database (published through the API meanwhile): left alone.
            await Catalog.PublishAsync(Package("1.0.0"), ReviewStatus.Approved);

            (await CatalogFolderImport.ImportOnceAsync(Catalog, folder, NullLogger.Instance)).ShouldBe(1);
            (await CatalogFolderImport.ImportOnceAsync(Catalog, folder, NullLogger.Instance)).ShouldBe(0);
            // Even without the marker a second copy adds nothing.
            (await Catalog.ImportAsync(directory)).ShouldBe(0);

            var versions = (await Catalog.FindAsync("notes"))!.Versions;
            versions.Select(v => (v.Version, v.Status, v.Reason)).ShouldBe([("1.0.0", ReviewStatus.Approved, null), ("1.1.0", ReviewStatus.Rejected, "typo in the name")]);
            (await Catalog.GetAsync("notes", "1.1.0", approvedOnly: false)).Digest.ShouldBe(directory.Get("notes", "1.1.0", approvedOnly: false).Digest);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}

public sealed class SqliteCatalogStoreTests : CatalogStoreTests<SqliteTestDatabase>;

public sealed class PostgresCatalogStoreTests : CatalogStoreTests<PostgresTestDatabase>;
