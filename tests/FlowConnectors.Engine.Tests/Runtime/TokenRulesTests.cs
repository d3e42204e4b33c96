using FlowConnectors.Engine.Flows;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// The token, scope and join rules on their own: the rules are driven by hand as a scheduler would (no activity
/// runs), and the queue, the scope tokens and the joins are checked after each step.
/// </summary>
public sealed class TokenRulesTests
{
    private sealed class Run
    {
        public Run(string nodes, string connections)
        {
            Flow = FlowConnectors.Engine.Tests.Flow.Engine().Compile(FlowJson.Parse(
                $$"""{ "format": 1, "id": "rules", "nodes": [ {{nodes}} ], "connections": [ {{connections}} ] }"""));
            State = new FlowInstanceState { InstanceId = "i", FlowId = "rules" };
            Rules = new TokenRules(Flow, State, Queue) { ScopeClosed = scope => Closed.Add(scope.Id) };
        }

        public CompiledFlow Flow { get; }
        public FlowInstanceState State { get; }
        public Queue<WorkItem> Queue { get; } = new();
        public TokenRules Rules { get; }
        public List<int> Closed { get; } = [];

        /// <summary>Takes the next work item, which must be for <paramref name="nodeId"/>.</summary>
        public WorkItem Next(string nodeId)
        {
            var item = Queue.Dequeue();
            item.NodeId.ShouldBe(nodeId);
            return item;
        }

        public void Done(WorkItem item, string outcome = "done") => Rules.FollowOutcome(item, Flow.ById[item.NodeId], outcome, releaseToken: true);

        public int Tokens(int scope = 0) => State.Scopes[scope].Tokens;
    }

    [Fact]
    public void A_new_instance_has_one_token_per_start_node_in_the_root_scope()
    {
        var run = new Run("""{ "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" }, { "id": "c", "type": "NoOp" }""",
            """{ "from": "a:done", "to": "c" }""");
        run.Rules.Start();

        run.Queue.Select(w => w.NodeId).ShouldBe(["a", "b"]);
        run.Tokens().ShouldBe(2);
    }

    [Fact]
    public void A_completed_node_hands_its_token_to_each_target_and_the_last_node_spends_it()
    {
        var run = new Run("""{ "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" }, { "id": "c", "type": "NoOp" }""",
            """{ "from": "a:done", "to": "b" }, { "from": "a:done", "to": "c" }""");
        run.Rules.Start();
        run.Done(run.Next("a"));

        run.Queue.Select(w => (w.NodeId, w.FromNodeId)).ShouldBe([("b", "a"), ("c", "a")]);
        run.Tokens().ShouldBe(2);
        run.Done(run.Next("b"));
        run.Done(run.Next("c"));
        run.Tokens().ShouldBe(0);
        run.Queue.ShouldBeEmpty();
    }

    [Fact]
    public void A_join_of_all_fires_once_when_every_branch_has_arrived_holding_one_token_meanwhile()
    {
        var run = new Run("""{ "id": "fork", "type": "Fork" }, { "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" }, { "id": "join", "type": "Join" }""",
            """{ "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "b" }, { "from": "a:done", "to": "join" }, { "from": "b:done", "to": "join" }""");
        run.Rules.Start();
        run.Done(run.Next("fork"));
        run.Done(run.Next("a"));

        run.Queue.Select(w => w.NodeId).ShouldBe(["b"]);
        run.State.Joins.ShouldHaveSingleItem().HoldsToken.ShouldBeTrue();
        run.Tokens().ShouldBe(2);

        run.Done(run.Next("b"));
        run.Next("join");
        run.Queue.ShouldBeEmpty();
        run.State.Joins.ShouldBeEmpty();
        run.Tokens().ShouldBe(1);
    }

    [Fact]
    public void A_join_of_any_fires_on_the_first_arrival_and_absorbs_the_later_ones()
    {
        var run = new Run("""{ "id": "fork", "type": "Fork" }, { "id": "a", "type": "NoOp" }, { "id": "b", "type": "NoOp" }, { "id": "join", "type": "Join", "inputs": { "mode": "any" } }""",
            """{ "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "b" }, { "from": "a:done", "to": "join" }, { "from": "b:done", "to": "join" }""");
        run.Rules.Start();
        run.Done(run.Next("fork"));
        run.Done(run.Next("a"));
        run.Done(run.Next("b"));

        run.Next("join");
        run.Queue.ShouldBeEmpty();
        run.State.Joins.ShouldBeEmpty();
        run.Tokens().ShouldBe(1);
    }

    [Fact]
    public void A_join_waiting_for_a_branch_that_was_not_taken_is_released_when_nothing_else_can_run()
    {
        var run = new Run("""{ "id": "check", "type": "If", "inputs": { "condition": true } }, { "id": "yes", "type": "NoOp" }, { "id": "no", "type": "NoOp" }, { "id": "join", "type": "Join" }""",
            """{ "from": "check:true", "to": "yes" }, { "from": "check:false", "to": "no" }, { "from": "yes:done", "to": "join" }, { "from": "no:done", "to": "join" }""");
        run.Rules.Start();
        run.Done(run.Next("check"), "true");
        run.Done(run.Next("yes"));
        run.Queue.ShouldBeEmpty();

        run.Rules.ResolveWaitingJoins().ShouldBeTrue();
        run.Next("join");
        run.Rules.ResolveWaitingJoins().ShouldBeFalse();
    }

    [Fact]
    public void A_join_a_suspended_branch_can_still_reach_keeps_waiting()
    {
        var run = new Run("""{ "id": "fork", "type": "Fork" }, { "id": "a", "type": "NoOp" }, { "id": "wait", "type": "NoOp" }, { "id": "join", "type": "Join" }""",
            """{ "from": "fork:done", "to": "a" }, { "from": "fork:done", "to": "wait" }, { "from": "a:done", "to": "join" }, { "from": "wait:done", "to": "join" }""");
        run.Rules.Start();
        run.Done(run.Next("fork"));
        run.Done(run.Next("a"));
        var waiting = run.Next("wait");
        // The node suspends: it keeps its token and holds a bookmark.
        run.State.Bookmarks.Add(new Bookmark { Id = "b1", NodeId = waiting.NodeId, ScopeId = waiting.ScopeId, Name = "event", Hash = "h" });
        run.Rules.HasBookmark("wait", 0).ShouldBeTrue();

        run.Rules.ResolveWaitingJoins().ShouldBeFalse();
        run.Queue.ShouldBeEmpty();
    }

    [Fact]
    public void A_loop_body_runs_in_a_child_scope_that_closes_and_runs_the_loop_node_again_when_its_last_token_is_spent()
    {
        var run = new Run("""{ "id": "loop", "type": "ForEach", "inputs": { "items": [ 1 ] } }, { "id": "body", "type": "NoOp" }, { "id": "after", "type": "NoOp" }""",
            """{ "from": "loop:iterate", "to": "body" }, { "from": "loop:done", "to": "after" }""");
        run.Rules.Start();
        var loop = run.Next("loop");
        run.State.NodeStates["body@1"] = 1;
        run.Rules.FollowOutcomes(loop, run.Flow.ById["loop"], ["iterate"]);

        var body = run.Next("body");
        body.ScopeId.ShouldBe(1);
        run.State.Scopes[1].OwnerNodeId.ShouldBe("loop");
        run.Tokens(0).ShouldBe(1);

        run.Done(body);
        run.Closed.ShouldBe([1]);
        run.State.Scopes.ContainsKey(1).ShouldBeFalse();
        run.State.NodeStates.ShouldBeEmpty();
        var again = run.Next("loop");
        again.Kind.ShouldBe(WorkKind.Continue);
        again.ScopeId.ShouldBe(0);

        run.Done(again);
        run.Next("after");
        run.Tokens(0).ShouldBe(1);
    }
}
