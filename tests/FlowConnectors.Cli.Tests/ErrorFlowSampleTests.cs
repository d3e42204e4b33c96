using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Cli.Tests;

/// <summary>The error-flow samples (flows/error-flows) validate, are canonical, and name each other as README says.</summary>
public sealed class ErrorFlowSampleTests
{
    private static readonly string Folder = Path.Combine(Repo.Root, "flows", "error-flows");

    [Fact]
    public async Task The_error_flow_samples_validate_and_are_saved_in_canonical_form()
    {
        var result = await Flowc.RunAsync(Repo.Root, "validate", Path.Combine("flows", "error-flows"));
        result.ExitCode.ShouldBe(0, result.ToString());
        result.Stderr.ShouldContain("2 files, 0 invalid");
        foreach (var file in Directory.GetFiles(Folder, "*.flow.json"))
        {
            var text = File.ReadAllText(file);
            FlowJson.Save(FlowJson.Parse(text)).ShouldBe(text, file);
        }
    }

    [Fact]
    public void The_sync_sample_names_the_Slack_error_flow_which_starts_with_an_Error_Trigger_and_posts_through_the_Slack_connector()
    {
        var sync = FlowJson.Parse(File.ReadAllText(Path.Combine(Folder, "nightly-sync.flow.json")));
        sync.ErrorFlow.ShouldBe("notify-slack-on-fault");
        sync.FindNode("fetch")!.OnError.ShouldNotBeNull().Retries.ShouldBe(4);

        var notify = FlowJson.Parse(File.ReadAllText(Path.Combine(Folder, "notify-slack-on-fault.flow.json")));
        notify.FindNode("fault")!.Type.ShouldBe("ErrorTrigger");
        var post = notify.FindNode("post")!;
        post.Type.ShouldBe("Connector.Action");
        post.Inputs["connector"]!.GetValue<string>().ShouldBe("slack");
        post.Inputs["action"]!.GetValue<string>().ShouldBe("postMessage");
        File.Exists(Path.Combine(Repo.Root, "flows", "slack", "flows", "postMessage.flow.json")).ShouldBeTrue();
    }
}
