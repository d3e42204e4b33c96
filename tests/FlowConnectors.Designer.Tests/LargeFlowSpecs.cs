using Microsoft.Playwright;
using static FlowConnectors.Designer.Tests.FlowPage;

namespace FlowConnectors.Designer.Tests;

/// <summary>
/// What the designer's benchmarks (<see cref="DesignerBenchmarks"/>) rely on, as specs: a 500-node, 600-connection flow
/// opens with every node and connection drawn and fitted, a node of it can be dragged, and the production bundle keeps
/// CodeMirror out of the entry script.
/// </summary>
public sealed class LargeFlowSpecs(DesignerFixture fixture) : IClassFixture<DesignerFixture>
{
    [Fact]
    public Task A_500_node_600_connection_flow_opens_with_every_node_and_connection_drawn_and_a_node_of_it_drags() => WithPageAsync(fixture, async page =>
    {
        await SaveFlowAsync(fixture, DesignerBenchmarks.LargeFlow("large-flow", 500, 600).ToJsonString());

        // Returns once the flow's id is shown, all 500 nodes are visible and the fitted view stands still.
        await DesignerBenchmarks.OpenTimedAsync(page, "large-flow", 500);
        await Assertions.Expect(page.Locator(".react-flow__node")).ToHaveCountAsync(500);
        (await page.Locator(".react-flow__edge").CountAsync()).ShouldBe(600);

        // The node's style (its position) changes (checked by the drag), and the flow now has unsaved changes.
        await Assertions.Expect(page.GetByTestId("unsaved")).ToHaveCountAsync(0);
        await DesignerBenchmarks.DragTimedAsync(page, "n0");
        await Assertions.Expect(page.GetByTestId("unsaved")).ToBeVisibleAsync();
    }, width: 1400, height: 900);

    [Fact]
    public void The_production_bundle_loads_codemirror_and_the_other_workspaces_on_first_use_not_at_start()
    {
        var (initialJs, _, lazyJs, _, css, otherJs, _) = DesignerBenchmarks.BundleSizes();
        initialJs.ShouldBeGreaterThan(0, "the entry script index.html names");
        lazyJs.ShouldBeGreaterThan(0, "CodeMirror's own chunk");
        otherJs.ShouldBeGreaterThan(0, "the chunks of the workspaces loaded on first use");
        css.ShouldBeGreaterThan(0, "the entry's stylesheet");
    }
}
