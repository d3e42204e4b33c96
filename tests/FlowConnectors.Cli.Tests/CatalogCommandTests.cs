using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Cli.Tests;

public class CatalogCommandTests
{
    // Every sample goes through pack, publish and install in-process in the Connectors and Server specs; here one goes through flowc.
    private static readonly string[] Samples = ["slack"];

    private static string CopySample(TempDir temp, string key, string name)
    {
        var target = Path.Combine(temp.Path, name);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(Repo.Root, "flows", key), "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(Path.Combine(Repo.Root, "flows", key), file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination);
        }
        return target;
    }

    private static void Edit(string file, Action<JsonObject> edit)
    {
        var json = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(json);
        File.WriteAllText(file, CanonicalJson.WriteIndented(json));
    }

    private static string Tree(string root) => string.Join("\n",
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(f => Path.GetFileName(f) != ".lock").Order(StringComparer.Ordinal)
            .Select(f => $"{Path.GetRelativePath(root, f)} {File.ReadAllText(f).GetHashCode()}"));

    [Fact]
    public async Task A_sample_connector_packs_publishes_to_a_directory_catalog_installs_and_passes_its_tests_through_flowc()
    {
        using var temp = new TempDir();
        var catalog = Path.Combine(temp.Path, "catalog");
        foreach (var key in Samples)
        {
            var pack = await temp.FlowcAsync("pack", Path.Combine(Repo.Root, "flows", key), "--out", $"{key}.fcpkg");
            pack.ExitCode.ShouldBe(0, pack.ToString());
            pack.Stdout.ShouldStartWith($"packed {key}@1.0.0 (");
            var publish = await temp.FlowcAsync("publish", $"{key}.fcpkg", "--catalog", catalog);
            publish.ExitCode.ShouldBe(0, publish.ToString());
            publish.Stdout.ShouldStartWith($"published {key}@1.0.0 (sha256:");
            var install = await temp.FlowcAsync("install", key, "--catalog", catalog, "--into", "installed");
            install.ExitCode.ShouldBe(0, install.ToString());
        }
        var again = await temp.FlowcAsync("pack", Path.Combine(Repo.Root, "flows", "slack"), "--out", "again.fcpkg");
        again.ExitCode.ShouldBe(0, again.ToString());
        File.ReadAllBytes(Path.Combine(temp.Path, "again.fcpkg")).ShouldBe(File.ReadAllBytes(Path.Combine(temp.Path, "slack.fcpkg")));

        Directory.GetDirectories(Path.Combine(catalog)).Select(Path.GetFileName).Order().ShouldBe(Samples);
        File.Exists(Path.Combine(catalog, "slack", "1.0.0", "flows", "postMessage.flow.json")).ShouldBeTrue();
        var test = await temp.FlowcAsync("test", "installed");
        test.ExitCode.ShouldBe(0, test.ToString());
        test.Stdout.ShouldEndWith(" passed, 0 failed\n");
    }

    [Fact]
    public async Task Diff_prints_exactly_the_semantic_changes_between_two_edited_versions()
    {
        using var temp = new TempDir();
        var v1 = CopySample(temp, "slack", "v1");
        var v2 = CopySample(temp, "slack", "v2");
        Edit(Path.Combine(v2, "connector.json"), m => { m["version"] = "2.0.0"; m["auth"]!["kind"] = "basic"; });
        Edit(Path.Combine(v2, "flows", "postMessage.flow.json"), flow =>
        {
            flow["inputs"]!.AsArray().First(i => (string?)i!["name"] == "thread_ts")!["type"] = "number";
            var outputs = flow["outputs"]!.AsArray();
            outputs.Remove(outputs.First(o => (string?)o!["name"] == "channel"));
            outputs.Add(new JsonObject { ["name"] = "permalink", ["type"] = "string" });
            var nodes = flow["nodes"]!.AsArray();
            nodes.Add(new JsonObject { ["id"] = "log", ["type"] = "Log", ["inputs"] = new JsonObject { ["message"] = "posted" } });
            nodes.First(n => (string?)n!["id"] == "check")!["inputs"]!["condition"] = new JsonObject { ["js"] = "nodes.call.outputs.status_code === 200" };
            flow["connections"]!.AsArray().Add(new JsonObject { ["from"] = "done:done", ["to"] = "log" });
            // Designer-only: moved nodes and a reversed node order.
            var moved = nodes.Select(n => n!.DeepClone()).Reverse().ToList();
            foreach (var node in moved) node["ui"] = new JsonObject { ["x"] = 100, ["y"] = 200 };
            flow["nodes"] = new JsonArray(moved.ToArray());
        });
        Edit(Path.Combine(v2, "flows", "listChannels.flow.json"), flow => flow.Remove("card"));

        var diff = await temp.FlowcAsync("diff", v1, v2);

        diff.ExitCode.ShouldBe(0, diff.ToString());
        diff.Stdout.ShouldBe("""
            manifest
              ~ auth.kind: "apiKey" → "basic"  [breaking]
              ~ version: "1.0.0" → "2.0.0"
            card listChannels
              - card (helper)  [breaking]
            flow postMessage
              ~ node check: input condition: {"js":"nodes.call.outputs.status_code === 200 && !!nodes.call.outputs.body && nodes.call.outputs.body.ok === true"} → {"js":"nodes.call.outputs.status_code === 200"}
              + node log (Log)
              + connection done:done → log
            card postMessage
              ~ input thread_ts: type string → number  [breaking]
              - output channel (string)  [breaking]
              + output permalink (string)
            9 changes, 4 breaking

            """.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task Diff_compares_a_catalog_version_with_a_folder_and_bad_packages_are_refused_leaving_the_catalog_unchanged()
    {
        using var temp = new TempDir();
        var catalog = Path.Combine(temp.Path, "catalog");
        var folder = CopySample(temp, "slack-webhook", "hook");
        (await temp.FlowcAsync("pack", folder, "--out", "hook.fcpkg")).ExitCode.ShouldBe(0);
        (await temp.FlowcAsync("publish", "hook.fcpkg", "--catalog", catalog)).ExitCode.ShouldBe(0);
        Edit(Path.Combine(folder, "connector.json"), m => m["accentColor"] = "#FFFFFF");

        var diff = await temp.FlowcAsync("diff", "slack-webhook@1.0.0", folder, "--catalog", catalog);
        diff.ExitCode.ShouldBe(0, diff.ToString());
        diff.Stdout.ShouldBe("manifest\n  ~ accentColor: \"#E01E5A\" → \"#FFFFFF\"\n1 change, 0 breaking\n");

        var before = Tree(catalog);
        var same = await temp.FlowcAsync("pack", folder, "--out", "same-version.fcpkg");
        same.ExitCode.ShouldBe(0, same.ToString());
        var immutable = await temp.FlowcAsync("publish", "same-version.fcpkg", "--catalog", catalog);
        immutable.ExitCode.ShouldBe(2);
        immutable.Stderr.ShouldContain("error: slack-webhook@1.0.0 is already published with digest sha256:");

        var bytes = File.ReadAllBytes(Path.Combine(temp.Path, "hook.fcpkg"));
        bytes[^30] ^= 0xFF; // flip a byte inside the zip's directory
        File.WriteAllBytes(Path.Combine(temp.Path, "broken.fcpkg"), bytes);
        var broken = await temp.FlowcAsync("publish", "broken.fcpkg", "--catalog", catalog);
        broken.ExitCode.ShouldBe(2);
        broken.Stderr.ShouldStartWith("error: broken.fcpkg: ");

        Tree(catalog).ShouldBe(before);

        var index = Path.Combine(catalog, "index.json");
        File.WriteAllText(index, "[1, 2");
        var corrupt = await temp.FlowcAsync("publish", "same-version.fcpkg", "--catalog", catalog);
        corrupt.ExitCode.ShouldBe(2);
        corrupt.Stderr.ShouldStartWith($"error: catalog index {index} is corrupt: $: not valid JSON");
        File.ReadAllText(index).ShouldBe("[1, 2");

        var notSemver = await temp.FlowcAsync("install", "slack-webhook@1.0", "--catalog", catalog);
        notSemver.ExitCode.ShouldBe(2);
        notSemver.Stderr.ShouldBe("error: 'slack-webhook@1.0': version '1.0' is not a semantic version (e.g. 1.2.3)\n");

        var nowhere = await temp.FlowcAsync("install", "slack-webhook", "--catalog", "no-such-catalog");
        nowhere.ExitCode.ShouldBe(2);
        nowhere.Stderr.ShouldBe($"error: no catalog at {Path.Combine(temp.Path, "no-such-catalog")}: the directory does not exist\n");
    }
}
