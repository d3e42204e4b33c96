using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Import.Postman;

/// <summary>A Postman environment export (<c>*.postman_environment.json</c>): a name and variables.</summary>
internal sealed record PostmanEnvironment(string Name, IReadOnlyList<PostmanEntry> Values)
{
    public static PostmanEnvironment Parse(string text, string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(text, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new PostmanImportException(path, $"not valid JSON (line {(e.LineNumber ?? 0) + 1})");
        }
        if (node is not JsonObject root || root["values"] is not JsonArray values)
            throw new PostmanImportException(path, "not a Postman environment: expected { \"name\": …, \"values\": [ { \"key\", \"value\" } ] }");
        var name = PostmanCollection.Text(root["name"]);
        if (string.IsNullOrWhiteSpace(name)) throw new PostmanImportException(path + ".name", "the environment has no name");
        var entries = new List<PostmanEntry>();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is not JsonObject v || PostmanCollection.Text(v["key"]) is not { } key) continue;
            // Exports mark switched-off variables with enabled: false (collections use disabled: true).
            var disabled = (v["enabled"] is JsonValue en && en.TryGetValue(out bool on) && !on) || (v["disabled"] is JsonValue d && d.TryGetValue(out bool off) && off);
            entries.Add(new PostmanEntry(key, PostmanCollection.Text(v["value"]), disabled, PostmanCollection.Text(v["type"]) ?? "default", $"{path}.values[{i}]"));
        }
        return new PostmanEnvironment(name.Trim(), entries);
    }
}
