using System.Text.Json.Nodes;

namespace FlowConnectors.Engine.Flows;

/// <summary>A flow as stored in <c>*.flow.json</c>. See README, "Flow JSON".</summary>
public sealed class FlowDefinition
{
    public const int CurrentFormat = 1;

    /// <summary>
    /// The longest flow or node id: the database keys flows and drafts by id and a trigger by flow and node id, and
    /// PostgreSQL's index entries hold at most 2,704 bytes (a 3,000-character flow id was a 500). The importers make ids of
    /// at most 64 characters.
    /// </summary>
    public const int MaxIdLength = 200;

    public int Format { get; set; } = CurrentFormat;
    public required string Id { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Version { get; set; }
    public List<FlowParameter> Inputs { get; set; } = [];
    public List<FlowParameter> Outputs { get; set; } = [];
    public List<FlowVariable> Variables { get; set; } = [];
    /// <summary>The node to start at; when absent every node without incoming connections starts.</summary>
    public string? Start { get; set; }
    public List<FlowNode> Nodes { get; set; } = [];
    public List<FlowConnection> Connections { get; set; } = [];
    /// <summary>
    /// The flow started, once, when an instance of this one faults and nothing handled the fault (README "Error
    /// policies and error flows"); its trigger node is an Error Trigger.
    /// </summary>
    public string? ErrorFlow { get; set; }
    /// <summary>Extension blocks owned by other layers (e.g. <c>card</c> for connectors), kept verbatim.</summary>
    public SortedDictionary<string, JsonNode?> Extensions { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Designer-only data (positions, viewport); never affects execution.</summary>
    public JsonObject? Ui { get; set; }

    public FlowNode? FindNode(string id) => Nodes.Find(n => n.Id == id);
}

/// <summary>A declared flow input or output: what a card shows.</summary>
public sealed class FlowParameter
{
    public required string Name { get; set; }
    public string Type { get; set; } = Values.ValueTypes.Any;
    public string? Label { get; set; }
    public string? Description { get; set; }
    public bool Required { get; set; }
    /// <summary>Redacted in journals and logs.</summary>
    public bool Secret { get; set; }
    public JsonNode? Default { get; set; }
    /// <summary>Static dropdown: <c>[{ "label": …, "value": … }]</c>.</summary>
    public JsonArray? Options { get; set; }

    /// <summary>
    /// The parameter of <paramref name="parameters"/> with this name, or null. A loop, not List.Find with a lambda: the
    /// lambda captures the name, one allocation per look-up, and runs look inputs and outputs up on every run.
    /// </summary>
    internal static FlowParameter? Named(List<FlowParameter> parameters, string name)
    {
        foreach (var parameter in parameters)
            if (parameter.Name == name) return parameter;
        return null;
    }
}

public sealed class FlowVariable
{
    public required string Name { get; set; }
    public string Type { get; set; } = Values.ValueTypes.Any;
    public JsonNode? Default { get; set; }
}

public sealed class FlowNode
{
    public required string Id { get; set; }
    public required string Type { get; set; }
    public string? Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Input name → literal, <c>{ "js": … }</c> or <c>{ "template": … }</c> (nested anywhere).</summary>
    public SortedDictionary<string, JsonNode?> Inputs { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Retries and what a failure that remains does; null: the node faults on its first failure.</summary>
    public NodeErrorPolicy? OnError { get; set; }
    /// <summary>
    /// What running this node again does outside the instance, as its author knows it (a POST to a search endpoint has
    /// none); null: the activity's declaration, narrowed by the node's inputs. Used by retry and recovery planning.
    /// </summary>
    public Activities.SideEffects? SideEffects { get; set; }
    public JsonObject? Ui { get; set; }
}

/// <summary>From <c>node:outcome</c> to a node.</summary>
public sealed class FlowConnection
{
    public required string FromNode { get; set; }
    public required string Outcome { get; set; }
    public required string To { get; set; }

    public string From => $"{FromNode}:{Outcome}";
}
