using System.Text.Json.Nodes;
using FlowConnectors.Catalog;

namespace FlowConnectors.Connectors.Tests.Catalog;

public class DirectoryCatalogSpecs
{
    private static string Snapshot(string root) => string.Join("\n",
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(f) != ".lock")
            .Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(root, f)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(f)))}"));

    [Fact]
    public void A_published_version_is_laid_out_for_git_and_installs_back_with_the_same_digest()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        var package = slack.Package();

        var result = catalog.Publish(package, ReviewStatus.Approved);

        result.Created.ShouldBeTrue();
        File.Exists(Path.Combine(catalog.Root, "index.json")).ShouldBeTrue();
        File.Exists(Path.Combine(catalog.Root, "slack", "1.0.0", "package.json")).ShouldBeTrue();
        File.ReadAllText(Path.Combine(catalog.Root, "slack", "1.0.0", "flows", "postMessage.flow.json"))
            .ShouldBe(File.ReadAllText(Path.Combine(slack.Path, "flows", "postMessage.flow.json")));
        var index = JsonNode.Parse(File.ReadAllText(catalog.IndexPath))!;
        ((string?)index["connectors"]!["slack"]!["versions"]!["1.0.0"]!["digest"]).ShouldBe(package.Digest);
        catalog.Get("slack", null).Digest.ShouldBe(package.Digest);
        catalog.Publish(package, ReviewStatus.Approved).Created.ShouldBeFalse();
    }

    [Fact]
    public void Publishing_the_same_version_with_different_content_is_refused_and_the_catalog_is_unchanged()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        catalog.Publish(slack.Package(), ReviewStatus.Approved);
        var before = Snapshot(catalog.Root);

        slack.Edit("connector.json", m => m["description"] = "Changed without a new version.");
        var changed = slack.Package();
        var error = Should.Throw<CatalogException>(() => catalog.Publish(changed, ReviewStatus.Approved));

        error.Kind.ShouldBe(CatalogErrorKind.Immutable);
        error.Message.ShouldStartWith("slack@1.0.0 is already published with digest sha256:");
        error.Message.ShouldEndWith("A published version is immutable: give the change a new version");
        Snapshot(catalog.Root).ShouldBe(before);
    }

    [Fact]
    public void Breaking_changes_need_a_major_version_and_the_refusal_lists_them()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        catalog.Publish(slack.Package(), ReviewStatus.Approved);
        var before = Snapshot(catalog.Root);

        slack.Version("1.1.0").Edit("flows/postMessage.flow.json", flow =>
        {
            var outputs = flow["outputs"]!.AsArray();
            outputs.Remove(outputs.First(o => (string?)o!["name"] == "channel"));
            flow["nodes"]![2]!["inputs"]!["outputs"]!.AsObject().Remove("channel");
        });
        slack.Edit("tests/postMessage.json", f => f["outputs"]!.AsObject().Remove("channel"));
        slack.Edit("tests/postMessage-thread.json", f => f["outputs"]?.AsObject().Remove("channel"));
        var minor = slack.Package();

        var error = Should.Throw<CatalogException>(() => catalog.Publish(minor, ReviewStatus.Approved));
        error.Kind.ShouldBe(CatalogErrorKind.Breaking);
        error.Message.ShouldBe("slack@1.1.0 has 1 breaking change(s) since 1.0.0 and needs a major version bump (to 2.0.0 or later)");
        error.Details.ShouldBe(["card postMessage: - output channel (string)  [breaking]"]);
        Snapshot(catalog.Root).ShouldBe(before);

        slack.Version("2.0.0");
        var major = catalog.Publish(slack.Package(), ReviewStatus.Approved);
        major.Previous.ShouldBe("1.0.0");
        catalog.Find("slack")!.Versions.Select(v => v.Version).ShouldBe(["1.0.0", "2.0.0"]);
    }

    [Fact]
    public void Only_approved_versions_install_by_default_and_a_rejection_keeps_its_reason()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        catalog.Publish(slack.Package(), ReviewStatus.Submitted);

        Should.Throw<CatalogException>(() => catalog.Get("slack", "1.0.0")).Message
            .ShouldBe("slack@1.0.0 is submitted; only approved versions can be installed");
        catalog.Get("slack", "1.0.0", approvedOnly: false).Reference.ShouldBe("slack@1.0.0");

        catalog.Review("slack", "1.0.0", ReviewStatus.Rejected, "needs a rate-limit note");
        Should.Throw<CatalogException>(() => catalog.Get("slack", "1.0.0")).Message
            .ShouldBe("slack@1.0.0 is rejected (needs a rate-limit note); only approved versions can be installed");

        catalog.Review("slack", "1.0.0", ReviewStatus.Approved, null);
        catalog.Get("slack", null).Reference.ShouldBe("slack@1.0.0");
    }

    [Fact]
    public void A_corrupt_index_is_refused_with_the_reason_and_nothing_is_written()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        catalog.Publish(slack.Package(), ReviewStatus.Approved);
        var index = JsonNode.Parse(File.ReadAllText(catalog.IndexPath))!;
        index["connectors"]!["slack"]!["versions"]!["1.0.0"]!["status"] = "maybe";
        File.WriteAllText(catalog.IndexPath, index.ToJsonString());
        var before = Snapshot(catalog.Root);

        slack.Version("1.0.1");
        var error = Should.Throw<CatalogException>(() => catalog.Publish(slack.Package(), ReviewStatus.Approved));
        error.Kind.ShouldBe(CatalogErrorKind.CorruptCatalog);
        error.Message.ShouldBe($"catalog index {catalog.IndexPath} is corrupt: $.connectors.slack.versions[\"1.0.0\"].status: must be submitted, approved or rejected; nothing was changed");
        Snapshot(catalog.Root).ShouldBe(before);

        File.WriteAllText(catalog.IndexPath, "{ \"format\": 1, ");
        Should.Throw<CatalogException>(() => catalog.List()).Message.ShouldStartWith($"catalog index {catalog.IndexPath} is corrupt: $: not valid JSON");
    }

    [Fact]
    public void A_version_folder_edited_after_publishing_is_reported_as_a_digest_mismatch()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        catalog.Publish(slack.Package(), ReviewStatus.Approved);
        var flow = Path.Combine(catalog.FolderOf("slack", "1.0.0"), "flows", "postMessage.flow.json");
        File.WriteAllText(flow, File.ReadAllText(flow).Replace("/chat.postMessage", "/chat.delete"));

        var error = Should.Throw<CatalogException>(() => catalog.Get("slack", "1.0.0"));
        error.Kind.ShouldBe(CatalogErrorKind.CorruptCatalog);
        error.Message.ShouldContain("'flows/postMessage.flow.json' does not match its SHA-256 in package.json");
    }

    [Fact]
    public async Task Concurrent_publishes_of_different_versions_all_land_in_the_index()
    {
        using var slack = new SampleCopy();
        var catalog = new DirectoryCatalog(Path.Combine(slack.Scratch, "catalog"));
        var files = CatalogPackage.CollectFiles(slack.Load());
        var packages = Enumerable.Range(0, 8).Select(i =>
        {
            var copy = new SortedDictionary<string, byte[]>(files, StringComparer.Ordinal);
            var manifest = JsonNode.Parse(copy["connector.json"])!;
            manifest["version"] = $"1.0.{i}";
            copy["connector.json"] = System.Text.Encoding.UTF8.GetBytes(manifest.ToJsonString());
            return CatalogPackage.FromFiles(copy);
        }).ToList();

        await Task.WhenAll(packages.Select(p => Task.Run(() => catalog.Publish(p, ReviewStatus.Approved))));

        catalog.Find("slack")!.Versions.Select(v => v.Version).ShouldBe(packages.Select(p => p.Version));
        foreach (var package in packages) catalog.Get("slack", package.Version).Digest.ShouldBe(package.Digest);
        Directory.GetDirectories(catalog.Root).Select(Path.GetFileName).ShouldBe(["slack"]);
    }
}
