using System.Text.Json.Nodes;
using FlowConnectors.Catalog;

namespace FlowConnectors.Connectors.Tests.Catalog;

public class SemanticDiffSpecs
{
    /// <summary>Slack 1.0.0 edited into a 2.0.0: the same edits the CLI's diff test makes.</summary>
    internal static void EditIntoVersion2(SampleCopy slack)
    {
        slack.Version("2.0.0").Edit("connector.json", m => m["accentColor"] = "#000000");
        slack.Edit("flows/postMessage.flow.json", flow =>
        {
            var inputs = flow["inputs"]!.AsArray();
            inputs.Add(new JsonObject { ["name"] = "icon_emoji", ["type"] = "string", ["label"] = "Icon emoji" });
            flow["outputs"]!.AsArray().First(o => (string?)o!["name"] == "ts")!["type"] = "number";
            var nodes = flow["nodes"]!.AsArray();
            nodes.First(n => (string?)n!["id"] == "call")!["inputs"]!["inputs"]!["relative_url"] = "/chat.update";
            nodes.First(n => (string?)n!["id"] == "fail")!["type"] = "Log";
            nodes.Add(new JsonObject { ["id"] = "note", ["type"] = "Log", ["inputs"] = new JsonObject { ["message"] = new JsonObject { ["js"] = "'posted ' + nodes.call.outputs.body.ts" } } });
            var connections = flow["connections"]!.AsArray();
            connections.Remove(connections.First(c => (string?)c!["from"] == "check:false"));
            connections.Add(new JsonObject { ["from"] = "check:true", ["to"] = "note" });
        });
        File.Delete(Path.Combine(slack.Path, "flows", "customApiAction.flow.json"));
    }

    /// <summary>Designer positions and a different order of nodes, connections and parameters.</summary>
    internal static void MoveAndReorder(SampleCopy copy, string flowFile)
    {
        copy.Edit(flowFile, flow =>
        {
            var nodes = flow["nodes"]!.AsArray().Select(n => n!.DeepClone()).Reverse().ToList();
            for (var i = 0; i < nodes.Count; i++) nodes[i]["ui"] = new JsonObject { ["x"] = 40 * i, ["y"] = 300 - 20 * i };
            flow["nodes"] = new JsonArray(nodes.ToArray());
            flow["connections"] = new JsonArray(flow["connections"]!.AsArray().Select(c => c!.DeepClone()).Reverse().ToArray());
            flow["inputs"] = new JsonArray(flow["inputs"]!.AsArray().Select(c => c!.DeepClone()).Reverse().ToArray());
            flow["ui"] = new JsonObject { ["viewport"] = new JsonObject { ["zoom"] = 1.5 } };
        });
    }

    internal const string ExpectedText = """
        manifest
          ~ accentColor: "#4A154B" → "#000000"
          ~ version: "1.0.0" → "2.0.0"
        flow customApiAction
          - flow (4 nodes)
        card customApiAction
          - card (action)  [breaking]
        flow postMessage
          ~ node call: input inputs.relative_url: "/chat.postMessage" → "/chat.update"
          ~ node fail: type Fail → Log
          + node note (Log)
          + connection check:true → note
          - connection check:false → fail
        card postMessage
          + input icon_emoji (string)
          ~ output ts: type string → number  [breaking]
        11 changes, 2 breaking

        """;

    [Fact]
    public void The_diff_between_two_edited_versions_lists_exactly_the_semantic_changes()
    {
        using var v1 = new SampleCopy();
        using var v2 = new SampleCopy();
        EditIntoVersion2(v2);
        MoveAndReorder(v2, "flows/postMessage.flow.json");

        var diff = SemanticDiff.Compare(ConnectorSnapshot.FromPath(v1.Path), ConnectorSnapshot.FromPath(v2.Path));

        diff.ToText().ShouldBe(ExpectedText.Replace("\r\n", "\n"));
        diff.BreakingChanges.Select(b => b.Section).ShouldBe(["card customApiAction", "card postMessage"]);
    }

    [Fact]
    public void Designer_positions_and_ordering_never_show_up_as_changes()
    {
        using var v1 = new SampleCopy();
        using var v2 = new SampleCopy();
        MoveAndReorder(v2, "flows/postMessage.flow.json");
        MoveAndReorder(v2, "flows/listChannels.flow.json");
        v2.Edit("connector.json", m => m["connectionParameters"] = new JsonArray(m["connectionParameters"]!.AsArray().Select(p => p!.DeepClone()).Reverse().ToArray()));

        var diff = SemanticDiff.Compare(ConnectorSnapshot.FromPath(v1.Path), ConnectorSnapshot.FromPath(v2.Path));

        diff.IsEmpty.ShouldBeTrue(diff.ToText());
        diff.ToText().ShouldBe("no changes\n");
    }

    [Fact]
    public void Changing_the_auth_kind_removing_an_option_and_retyping_an_input_are_breaking()
    {
        using var v1 = new SampleCopy("github");
        using var v2 = new SampleCopy("github");
        v2.Edit("connector.json", m => m["auth"]!["kind"] = "basic");
        v2.Edit("flows/customApiAction.flow.json", flow =>
        {
            flow["card"]!["options"] = new JsonArray();
            flow["inputs"]!.AsArray().First(i => (string?)i!["name"] == "relativeUrl")!["type"] = "number";
        });

        var diff = SemanticDiff.Compare(ConnectorSnapshot.FromPath(v1.Path), ConnectorSnapshot.FromPath(v2.Path));

        diff.BreakingChanges.Select(b => $"{b.Section}: {b.Change}").ShouldBe([
            "manifest: ~ auth.kind: \"apiKey\" → \"basic\"  [breaking]",
            "card customApiAction: - option requestType (string, required)  [breaking]",
            "card customApiAction: ~ input relativeUrl: type string → number  [breaking]",
        ], diff.ToText());
    }
}
