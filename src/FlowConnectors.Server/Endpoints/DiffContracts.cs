using FlowConnectors.Catalog;

namespace FlowConnectors.Server.Endpoints;

/// <summary>One change of a semantic diff: <c>+</c> added, <c>-</c> removed, <c>~</c> changed.</summary>
internal sealed record DiffChangeView(string Op, string Text, bool Breaking);

/// <summary>The changes of one part: <c>manifest</c>, <c>flow &lt;id&gt;</c> or <c>card &lt;id&gt;</c>.</summary>
internal sealed record DiffSectionView(string Title, IReadOnlyList<DiffChangeView> Changes);

/// <summary>
/// The catalog's semantic diff (<see cref="ConnectorDiff"/>) between two versions of a connector or of a flow: its sections,
/// how many changes and how many breaking ones, and the text <c>flowc diff</c> prints. Breaking changes make a version
/// bump major.
/// </summary>
internal sealed record DiffView(IReadOnlyList<DiffSectionView> Sections, int Changes, int Breaking, string Text)
{
    public static DiffView Of(ConnectorDiff diff) => new(
        [.. diff.Sections.Select(s => new DiffSectionView(s.Title, [.. s.Changes.Select(c => new DiffChangeView(c.Op.ToString(), c.Text, c.Breaking))]))],
        diff.ChangeCount, diff.BreakingChanges.Count(), diff.ToText());
}

/// <summary>GET /api/flows/{id}/diff: what changed from one stored version of a flow to another.</summary>
internal sealed record FlowDiffResponse(IReadOnlyList<DiffSectionView> Sections, int Changes, int Breaking, string Text, int From, int To)
{
    public static FlowDiffResponse Of(ConnectorDiff diff, int from, int to)
    {
        var view = DiffView.Of(diff);
        return new(view.Sections, view.Changes, view.Breaking, view.Text, from, to);
    }
}

/// <summary>
/// GET /api/catalog/{key}/{version}/diff: what moving to <c>To</c> changes, from <c>From</c> ("installed 1.2.0", a version,
/// or null when there is nothing before it).
/// </summary>
internal sealed record CatalogDiffResponse(IReadOnlyList<DiffSectionView> Sections, int Changes, int Breaking, string Text, string? From, string To)
{
    public static CatalogDiffResponse Of(ConnectorDiff diff, string? from, string to)
    {
        var view = DiffView.Of(diff);
        return new(view.Sections, view.Changes, view.Breaking, view.Text, from, to);
    }
}
