using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Expressions;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Engine.Tests.Runtime;

/// <summary>
/// Objects remembered with their parsed text (ParsedJson: response bodies and the engine's copies of them in a run)
/// are copied, scanned and handed to scripts from that text. Each of these must give exactly what the same JSON
/// parsed into nodes gives, and copies that leave a run must not be remembered (their owner may change them).
/// </summary>
public sealed class ParsedJsonTests
{
    private static JsonNode Parsed(string json) => ParsedJson.NodeOf(JsonDocument.Parse(json).RootElement)!;

    [Theory]
    [MemberData(nameof(LazyValueTests.ScriptCases), MemberType = typeof(LazyValueTests))]
    public void A_script_sees_in_parsed_text_what_a_full_conversion_gave_it(string script)
    {
        var parsed = Parsed(LazyValueTests.Document);
        ParsedJson.TryGetElement(parsed, out _).ShouldBeTrue();

        var lazy = LazyValueTests.Run(script, (engine, value) => JsConvert.ToJs(engine, value).ShouldBeOfType<LazyJsonObject>(), parsed);

        lazy.ShouldBe(LazyValueTests.Run(script, LazyValueTests.Eager, JsonNode.Parse(LazyValueTests.Document)!));
        parsed.ToJsonString().ShouldBe(JsonNode.Parse(LazyValueTests.Document)!.ToJsonString());
    }

    // Escapes in names and strings, numbers JavaScript writes back as they are or not, index-like and __proto__ names
    // (also escaped), a name twice, nesting, a string over the limit.
    public static TheoryData<string> Documents() => new()
    {
        """{ "s": "it\u0027s \"q\" \n caf\u00e9", "n": 12, "neg": -5, "o": { "x": [1, true, null, "y", { "k": false }] }, "e": {} }""",
        """{ "n": 1.50 }""",
        """{ "n": -0 }""",
        """{ "n": 1e2, "m": 0 }""",
        """{ "big": 12345678901234567890 }""",
        """{ "a": 1, "a": 2 }""",
        """{ "\u0061": 1, "a": 2 }""",
        """{ "\u0031x": 1 }""",
        """{ "2": 1 }""",
        """{ "__proto__": { "p": 1 } }""",
        """{ "x\ty": "\ud83d\ude00" }""",
        """{ "long": "0123456789012345678901234567890123456789" }""",
    };

    [Theory]
    [MemberData(nameof(Documents))]
    public void A_member_path_copy_of_parsed_text_is_what_the_copy_of_its_nodes_gives(string json)
    {
        var limits = ScriptLimits.Default with { MaxStringLength = 32 };
        var expected = Outcome(() => (MemberPath.TryRoundTrip(JsonNode.Parse(json), limits, out var copy), copy));

        var actual = Outcome(() => (MemberPath.TryRoundTrip(Parsed(json), limits, out var copy), copy));

        actual.ShouldBe(expected);
    }

    [Fact]
    public void A_member_path_copy_of_plain_parsed_text_is_a_new_object_over_it()
    {
        var source = Parsed("""{ "s": "it\u0027s", "n": 12, "o": { "x": [1, null, "y"] } }""");

        MemberPath.TryRoundTrip(source, ScriptLimits.Default, out var copy).ShouldBeTrue();

        copy.ShouldNotBeSameAs(source);
        ParsedJson.TryGetElement(copy, out _).ShouldBeTrue();
        copy!.ToJsonString().ShouldBe(source.ToJsonString());
    }

    [Fact]
    public void A_copy_leaving_the_run_is_not_remembered_and_changing_it_changes_nothing_else()
    {
        const string json = """{ "result": { "a": "x", "n": 1, "list": [1, 2] } }""";
        var source = Parsed(json);
        var runCopy = JsonValues.CopySharingText(source, runValue: true)!;
        var leaving = JsonValues.CopySharingText(source, runValue: false)!;

        ParsedJson.TryGetElement(runCopy, out _).ShouldBeTrue();
        ParsedJson.TryGetElement(leaving, out _).ShouldBeFalse();
        leaving["result"]!["a"] = "changed";
        leaving["result"]!["list"]!.AsArray().Add(3);
        leaving["extra"] = true;

        source.ToJsonString().ShouldBe(JsonNode.Parse(json)!.ToJsonString());
        runCopy.ToJsonString().ShouldBe(JsonNode.Parse(json)!.ToJsonString());
        JsonValues.CopySharingText(source, runValue: true)!.ToJsonString().ShouldBe(JsonNode.Parse(json)!.ToJsonString());
    }

    [Fact]
    public void Parsed_text_is_scanned_for_secrets_as_its_nodes_are()
    {
        var secrets = FlowConnectors.Engine.Secrets.SecretSet.Empty.Add("s3cret-p@ss-word");
        const string json = """{ "a": { "b": ["x", "token s3cret-p@ss-word here"] }, "c": "clean" }""";
        var parsed = Parsed(json);

        var redacted = secrets.Redact(parsed)!;

        redacted.ToJsonString().ShouldBe(secrets.Redact(JsonNode.Parse(json))!.ToJsonString());
        redacted.ToJsonString().ShouldNotContain("s3cret");
        // The parsed value itself is as it was; a copy was masked.
        parsed.ToJsonString().ShouldContain("s3cret-p@ss-word");
        secrets.Redact(Parsed("""{ "c": "clean" }""")).ShouldNotBeNull();
    }

    private static string Outcome(Func<(bool Ok, JsonNode? Copy)> copy)
    {
        try
        {
            var (ok, result) = copy();
            return ok ? "copied " + (result?.ToJsonString() ?? "null") : "not copied";
        }
        catch (Exception e)
        {
            return "threw " + e.GetType().Name;
        }
    }
}
