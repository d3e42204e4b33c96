using System.Text.Json.Nodes;
using FlowConnectors.Engine.Values;

namespace FlowConnectors.Http.Activities;

/// <summary>
/// Where Paginate is, kept in the node's persisted state: counters, the next offset, cursor or URL,
/// and in items mode the current page's records not yet handed out.
/// </summary>
internal sealed class PagePosition(JsonObject state)
{
    /// <summary>Whether another page may follow. True until a page says otherwise.</summary>
    public bool More
    {
        get => state["done"] is null;
        set { if (value) state.Remove("done"); else state["done"] = true; }
    }

    public int Pages { get => (int)Number("pages"); set => state["pages"] = value; }
    public int ItemCount { get => (int)Number("itemCount"); set => state["itemCount"] = value; }
    public long Offset { get => (long)Number("offset"); set => state["offset"] = value; }
    public string? Cursor { get => Text("cursor"); set => state["cursor"] = value; }
    /// <summary>Whether a page has had the cursor path: from then on a page without it is the last.</summary>
    public bool CursorSeen { get => state["cursorSeen"] is not null; set { if (value) state["cursorSeen"] = true; else state.Remove("cursorSeen"); } }
    /// <summary>How the previous page's first record is recognised: a page starting with it again is a loop.</summary>
    public string? FirstRecord { get => Text("firstRecord"); set => state["firstRecord"] = value; }
    public string? NextUrl { get => Text("nextUrl"); set => state["nextUrl"] = value; }
    /// <summary>Scheme, host and port of the first page: next links must stay there.</summary>
    public string? Origin { get => Text("origin"); set => state["origin"] = value; }

    public void SetRemaining(JsonArray items)
    {
        state["remaining"] = items;
        state["next"] = 0;
    }

    /// <summary>The next record of the current page; false when the page has been used up.</summary>
    public bool TryTakeRemaining(out JsonNode? item)
    {
        item = null;
        if (state["remaining"] is not JsonArray remaining) return false;
        var next = (int)Number("next");
        if (next >= remaining.Count)
        {
            state.Remove("remaining");
            return false;
        }
        state["next"] = next + 1;
        item = remaining[next]?.DeepClone();
        return true;
    }

    private double Number(string name) => JsonValues.TryGetNumber(state[name], out var n) ? n : 0;

    private string? Text(string name) => JsonValues.TryGetString(state[name], out var s) ? s : null;
}
