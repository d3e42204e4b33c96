using Semver;

namespace FlowConnectors.Catalog;

/// <summary>
/// The catalog's version rules: versions are semver (2.0.0, strict); removing or retyping a card's
/// input, option or output, removing a card, or changing the auth kind is breaking and needs a
/// major version above the version it is compared with (the highest one published below it).
/// </summary>
public static class VersionRules
{
    public static SemVersion Parse(string version, string where)
    {
        if (!SemVersion.TryParse(version, SemVersionStyles.Strict, out var parsed))
            throw new CatalogException(CatalogErrorKind.InvalidPackage, $"{where}: version '{version}' is not a semantic version (major.minor.patch, e.g. 1.2.3)");
        return parsed;
    }

    public static bool IsSemver(string version) => SemVersion.TryParse(version, SemVersionStyles.Strict, out _);

    public static int Compare(string a, string b) =>
        SemVersion.ComparePrecedence(SemVersion.Parse(a, SemVersionStyles.Strict), SemVersion.Parse(b, SemVersionStyles.Strict));

    /// <summary>The highest of <paramref name="published"/> below <paramref name="version"/>, if any.</summary>
    public static string? PreviousOf(string version, IEnumerable<string> published) =>
        published.Where(v => Compare(v, version) < 0).OrderBy(v => v, Comparer<string>.Create(Compare)).LastOrDefault();

    /// <summary>Throws when <paramref name="diff"/> from <paramref name="previous"/> holds breaking changes and the major version did not go up.</summary>
    public static void CheckBump(string key, string previous, string next, ConnectorDiff diff)
    {
        var breaking = diff.BreakingChanges.Select(b => $"{b.Section}: {b.Change}").ToList();
        if (breaking.Count == 0) return;
        var from = Parse(previous, key);
        var to = Parse(next, key);
        if (to.Major > from.Major) return;
        throw new CatalogException(CatalogErrorKind.Breaking,
            $"{key}@{next} has {breaking.Count} breaking change(s) since {previous} and needs a major version bump (to {from.Major + 1}.0.0 or later)", breaking);
    }
}
