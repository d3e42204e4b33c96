using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FlowConnectors.Http.Activities;

/// <summary>
/// The parsed JSON behind a page of records that Http.Paginate output: a loop body that only reads the page
/// (Collection.StoreUsers) walks it as <see cref="JsonElement"/>s instead of turning every record into a node
/// or writing the page out and parsing it again. Public, so no reader reaches into System.Text.Json's fields.
/// </summary>
public static class PageRecords
{
    // Weak keys: an entry lives exactly as long as the page's array, and never keeps a page alive.
    private static readonly ConditionalWeakTable<JsonArray, StrongBox<JsonElement>> s_parsed = new();

    /// <summary>A page's records as an array over the parsed text (nothing copied), remembered with that text.</summary>
    internal static JsonArray Create(JsonElement records)
    {
        var array = JsonArray.Create(records)!;
        s_parsed.AddOrUpdate(array, new StrongBox<JsonElement>(records));
        return array;
    }

    /// <summary>
    /// The parsed records behind <paramref name="items"/> when it is a page Http.Paginate output; false for any other
    /// array. Node outputs are not changed by later nodes (a script gets a copy), so the text still matches the array.
    /// </summary>
    public static bool TryGetParsed(JsonArray items, out JsonElement records)
    {
        if (s_parsed.TryGetValue(items, out var box))
        {
            records = box.Value;
            return true;
        }
        records = default;
        return false;
    }
}
