namespace FlowConnectors.Catalog;

/// <summary>Why a catalog operation was refused; <see cref="Kind"/> says which kind of refusal (for exit codes and HTTP statuses).</summary>
public sealed class CatalogException(CatalogErrorKind kind, string message, IReadOnlyList<string>? details = null) : Exception(message)
{
    public CatalogErrorKind Kind { get; } = kind;

    /// <summary>One line per problem (breaking changes, secrets found, validation problems).</summary>
    public IReadOnlyList<string> Details { get; } = details ?? [];

    public string Describe() => Details.Count == 0 ? Message : Message + "\n" + string.Join("\n", Details.Select(d => "  " + d));
}

public enum CatalogErrorKind
{
    /// <summary>The package or reference itself is bad: tampered, malformed, secret inside, invalid connector.</summary>
    InvalidPackage,
    /// <summary>The connector's offline tests fail.</summary>
    TestsFailed,
    /// <summary>The version is already published with other content.</summary>
    Immutable,
    /// <summary>Breaking changes without a major version bump.</summary>
    Breaking,
    /// <summary>No such connector or version (or none approved).</summary>
    NotFound,
    /// <summary>The catalog's own files are corrupt.</summary>
    CorruptCatalog,
}
