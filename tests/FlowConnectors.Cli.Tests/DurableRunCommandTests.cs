namespace FlowConnectors.Cli.Tests;

/// <summary><c>flowc run --store sqlite:path</c> and <c>flowc resume &lt;instanceId&gt; --store</c>: the server's durable runtime, from the command line.</summary>
public sealed class DurableRunCommandTests
{
    private const string Approval = """
        {
          "format": 1, "id": "approval",
          "inputs": [ { "name": "requestId", "type": "string", "required": true } ],
          "outputs": [ { "name": "approvedBy", "type": "string" } ],
          "nodes": [
            { "id": "wait", "type": "WaitForEvent", "inputs": { "eventName": "approval", "correlationId": { "js": "input.requestId" } } },
            { "id": "out", "type": "Return", "inputs": { "outputs": { "approvedBy": { "js": "nodes.wait.payload.by" } } } }
          ],
          "connections": [ { "from": "wait:done", "to": "out" } ]
        }
        """;

    private const string Nap = """
        {
          "format": 1, "id": "nap", "outputs": [ { "name": "woke", "type": "boolean" } ],
          "nodes": [
            { "id": "sleep", "type": "Delay", "inputs": { "duration": "00:00:01" } },
            { "id": "out", "type": "Return", "inputs": { "outputs": { "woke": true } } }
          ],
          "connections": [ { "from": "sleep:done", "to": "out" } ]
        }
        """;

    [Fact]
    public async Task A_durable_run_that_suspends_prints_its_instance_id_and_what_it_waits_for_and_an_event_resumes_it_later()
    {
        using var temp = new TempDir();
        temp.Write("approval.flow.json", Approval);

        var run = await temp.FlowcAsync("run", "approval.flow.json", "--input", "requestId=r-1", "--store", "sqlite:state/flows.db");

        run.ExitCode.ShouldBe(3, run.ToString());
        var suspended = run.StdoutJson!;
        var instanceId = (string)suspended["instanceId"]!;
        ((string?)suspended["status"]).ShouldBe("suspended");
        ((string?)suspended["waitingFor"]![0]).ShouldBe("event 'approval' with correlation id 'r-1'");
        run.Stderr.ShouldContain($"flowc resume {instanceId} --store sqlite:state/flows.db");

        var wrong = await temp.FlowcAsync("resume", instanceId, "--store", "sqlite:state/flows.db", "--event", "approval", "--correlation", "r-2", "--payload", """{ "by": "eve" }""");
        wrong.ExitCode.ShouldBe(2, wrong.ToString());
        wrong.Stderr.ShouldContain("does not wait for event 'approval' with correlation id 'r-2'");

        var resumed = await temp.FlowcAsync("resume", instanceId, "--store", "sqlite:state/flows.db", "--event", "approval", "--correlation", "r-1", "--payload", """{ "by": "grace" }""");

        resumed.ExitCode.ShouldBe(0, resumed.ToString());
        ((string?)resumed.StdoutJson!["approvedBy"]).ShouldBe("grace");
        var again = await temp.FlowcAsync("resume", instanceId, "--store", "sqlite:state/flows.db", "--event", "approval", "--correlation", "r-1");
        again.ExitCode.ShouldBe(2, again.ToString());
        again.Stderr.ShouldContain("it is finished");
    }

    [Fact]
    public async Task A_durable_delay_resumes_with_timers_once_it_is_due_and_not_before()
    {
        using var temp = new TempDir();
        temp.Write("nap.flow.json", Nap);
        var run = await temp.FlowcAsync("run", "nap.flow.json", "--store", "sqlite:nap.db");
        run.ExitCode.ShouldBe(3, run.ToString());
        var instanceId = (string)run.StdoutJson!["instanceId"]!;
        ((string?)run.StdoutJson!["waitingFor"]![0]).ShouldStartWith("a timer until ");

        // The delay is one second; keep asking until it is due (a loaded machine may take longer to start flowc).
        FlowcResult resumed;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        do
        {
            resumed = await temp.FlowcAsync("resume", instanceId, "--store", "sqlite:nap.db", "--timers");
            if (resumed.ExitCode != 2) break;
            resumed.Stderr.ShouldContain("has no timer due now");
            await Task.Delay(200);
        } while (DateTime.UtcNow < deadline);

        resumed.ExitCode.ShouldBe(0, resumed.ToString());
        ((bool?)resumed.StdoutJson!["woke"]).ShouldBe(true);
    }

    [Fact]
    public async Task A_store_that_cannot_be_created_or_opened_is_named_in_one_line()
    {
        using var temp = new TempDir();
        temp.Write("approval.flow.json", Approval);
        temp.Write("taken", "a file where the store's folder would go");

        var run = await temp.FlowcAsync("run", "approval.flow.json", "--input", "requestId=r-1", "--store", "sqlite:taken/flows.db");

        run.ExitCode.ShouldBe(2, run.ToString());
        run.Stderr.Trim().ShouldStartWith("error: the store sqlite:taken/flows.db cannot be created: ");
        run.Stderr.ShouldNotContain("   at ");

        // A file that is not a SQLite database (another tool's, or damaged): named, not a bare SQLite error.
        temp.Write("other.db", new string('x', 5000));
        var other = await temp.FlowcAsync("run", "approval.flow.json", "--input", "requestId=r-1", "--store", "sqlite:other.db");
        other.ExitCode.ShouldBe(2, other.ToString());
        other.Stderr.Trim().ShouldBe("error: the store sqlite:other.db cannot be opened: SQLite Error 26: 'file is not a database'.");
    }

    [Fact]
    public async Task Resume_with_a_store_needs_exactly_one_stimulus()
    {
        using var temp = new TempDir();

        var none = await temp.FlowcAsync("resume", "some-id", "--store", "sqlite:x.db");
        var two = await temp.FlowcAsync("resume", "some-id", "--store", "sqlite:x.db", "--timers", "--event", "approval");
        var badStore = await temp.FlowcAsync("resume", "some-id", "--store", "postgres:x", "--timers");

        none.ExitCode.ShouldBe(2, none.ToString());
        none.Stderr.ShouldContain("give exactly one of --event");
        two.ExitCode.ShouldBe(2, two.ToString());
        badStore.ExitCode.ShouldBe(2, badStore.ToString());
        badStore.Stderr.ShouldContain("--store expects sqlite:<path>");
    }
}
