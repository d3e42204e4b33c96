using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace FlowConnectors.Connectors.Tests;

/// <summary>
/// The projects' references, read from their csproj files: dependencies run one way
/// (Engine ← Http ← Connectors ← Runtime ← Persistence/Scheduling ← Server/Cli), tooling never reaches
/// the hosts, and only what serves HTTP takes the ASP.NET Core shared framework.
/// </summary>
public sealed class ProjectLayoutTests
{
    // A core project may reference only core projects of a lower tier.
    private static readonly Dictionary<string, int> CoreTiers = new(StringComparer.Ordinal)
    {
        ["FlowConnectors.Engine"] = 0,
        ["FlowConnectors.Http"] = 1,
        ["FlowConnectors.Connectors"] = 2,
        ["FlowConnectors.Runtime"] = 3,
        ["FlowConnectors.Persistence"] = 4,
        ["FlowConnectors.Scheduling"] = 4,
        ["FlowConnectors.Server"] = 5,
        ["FlowConnectors.Cli"] = 5,
    };

    // Tooling may reference core projects and other tooling, never a host (Server, Cli).
    private static readonly HashSet<string> Tooling = new(StringComparer.Ordinal)
    {
        "FlowConnectors.Import", "FlowConnectors.Catalog", "FlowConnectors.Collection", "FlowConnectors.Testing",
    };

    private static readonly HashSet<string> Hosts = new(StringComparer.Ordinal) { "FlowConnectors.Server", "FlowConnectors.Cli" };

    // What serves HTTP: the server, and the offline test stub (a Kestrel vendor on 127.0.0.1).
    private static readonly HashSet<string> MayUseAspNetCore = new(StringComparer.Ordinal)
    {
        "FlowConnectors.Server", "FlowConnectors.Testing",
    };

    [Fact]
    public void Every_source_project_has_a_place_in_the_order()
    {
        var unknown = SourceProjects().Select(p => p.Name).Where(n => !CoreTiers.ContainsKey(n) && !Tooling.Contains(n)).ToList();
        unknown.ShouldBeEmpty("add new projects to the order in ProjectLayoutTests (and to DESIGN.md's architecture)");
    }

    [Fact]
    public void Project_references_run_one_way()
    {
        var wrong = new List<string>();
        foreach (var project in SourceProjects())
            foreach (var reference in project.References)
            {
                if (Tooling.Contains(project.Name))
                {
                    if (Hosts.Contains(reference)) wrong.Add($"{project.Name} (tooling) references the host {reference}");
                }
                else if (CoreTiers.TryGetValue(project.Name, out var tier) && CoreTiers.TryGetValue(reference, out var referenced) && referenced >= tier)
                {
                    wrong.Add($"{project.Name} references {reference}, which is not below it");
                }
            }
        wrong.ShouldBeEmpty();
    }

    [Fact]
    public void Only_what_serves_HTTP_references_ASP_NET_Core()
    {
        var wrong = SourceProjects()
            .Where(p => p.UsesAspNetCore && !MayUseAspNetCore.Contains(p.Name))
            .Select(p => $"{p.Name} references the ASP.NET Core framework; take the package it needs (e.g. Microsoft.AspNetCore.DataProtection, Microsoft.Extensions.Hosting.Abstractions)")
            .ToList();
        wrong.ShouldBeEmpty();
    }

    [Fact]
    public void Only_test_projects_see_a_source_project_s_internals()
    {
        // A project uses another's public surface; InternalsVisibleTo is for its tests only.
        var wrong = SourceProjects()
            .SelectMany(p => p.InternalsVisibleTo.Where(friend => !IsTestAssembly(friend)).Select(friend => $"{p.Name}.csproj lets {friend} see its internals"))
            .ToList();
        var src = Path.Combine(RepositoryRoot(), "src");
        foreach (var file in Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            if (IsBuildOutput(src, file)) continue;
            foreach (var line in File.ReadLines(file))
            {
                var friend = AssemblyAttributeFriend(line);
                if (friend is not null && !IsTestAssembly(friend))
                    wrong.Add($"{Path.GetRelativePath(src, file)} lets {friend} see its internals");
            }
        }
        wrong.ShouldBeEmpty("make what the other project needs public (a real part of the contract), or move the code to the project that owns it");
    }

    private static bool IsTestAssembly(string name) =>
        name.EndsWith(".Tests", StringComparison.Ordinal) || name == "DynamicProxyGenAssembly2";

    // The friend's name in [assembly: InternalsVisibleTo("Name")] or "Name, PublicKey=…" (the attribute's namespace and
    // suffix optional); the whole line when the name is not a literal, so it is reported; null on any other line.
    private static string? AssemblyAttributeFriend(string line)
    {
        var attribute = Regex.Match(line, @"\[\s*assembly\s*:\s*(?:global::)?(?:System\.Runtime\.CompilerServices\.)?InternalsVisibleTo(?:Attribute)?\s*\(");
        if (!attribute.Success) return null;
        var name = Regex.Match(line[attribute.Index..], @"\(\s*""([^"",]*)");
        return name.Success ? name.Groups[1].Value.Trim() : line.Trim();
    }

    private static bool IsBuildOutput(string src, string file)
    {
        var parts = Path.GetRelativePath(src, file).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar);
        return parts.Contains("bin") || parts.Contains("obj");
    }

    [Fact]
    public void The_layout_reader_sees_the_references()
    {
        // Guards the test itself: if the csproj format changed, the rules above would pass on nothing.
        var projects = SourceProjects().ToDictionary(p => p.Name);
        projects["FlowConnectors.Runtime"].References.ShouldContain("FlowConnectors.Connectors");
        projects["FlowConnectors.Server"].UsesAspNetCore.ShouldBeTrue();
        projects["FlowConnectors.Engine"].InternalsVisibleTo.ShouldContain("FlowConnectors.Engine.Tests");
        AssemblyAttributeFriend("[assembly: InternalsVisibleTo(\"FlowConnectors.Cli, PublicKey=0024\")]").ShouldBe("FlowConnectors.Cli");
        AssemblyAttributeFriend("[assembly: System.Runtime.CompilerServices.InternalsVisibleTo(\"flowc\")]").ShouldBe("flowc");
        AssemblyAttributeFriend("using System.Runtime.CompilerServices;").ShouldBeNull();
    }

    private sealed record Project(string Name, IReadOnlyList<string> References, bool UsesAspNetCore, IReadOnlyList<string> InternalsVisibleTo);

    private static IEnumerable<Project> SourceProjects()
    {
        var src = Path.Combine(RepositoryRoot(), "src");
        foreach (var file in Directory.EnumerateFiles(src, "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var xml = XDocument.Load(file);
            var references = xml.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(((string?)r.Attribute("Include") ?? "").Replace('\\', '/')))
                .ToList();
            var usesAspNetCore = xml.Descendants("FrameworkReference").Any(f => (string?)f.Attribute("Include") == "Microsoft.AspNetCore.App")
                                 || xml.Root?.Attribute("Sdk")?.Value == "Microsoft.NET.Sdk.Web";
            // <InternalsVisibleTo Include="…"/>, or the attribute spelled out as an <AssemblyAttribute>.
            var friends = xml.Descendants("InternalsVisibleTo").Select(f => (string?)f.Attribute("Include") ?? "")
                .Concat(xml.Descendants("AssemblyAttribute")
                    .Where(a => ((string?)a.Attribute("Include") ?? "").StartsWith("System.Runtime.CompilerServices.InternalsVisibleTo", StringComparison.Ordinal))
                    .Select(a => (string?)a.Element("_Parameter1") ?? ""))
                .Select(f => f.Split(',')[0].Trim())
                .ToList();
            yield return new Project(Path.GetFileNameWithoutExtension(file), references, usesAspNetCore, friends);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "FlowConnectors.sln"))) return dir.FullName;
        throw new InvalidOperationException("FlowConnectors.sln not found above " + AppContext.BaseDirectory);
    }
}
