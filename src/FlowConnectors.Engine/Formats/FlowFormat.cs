using System.Text.Json;
using System.Text.Json.Nodes;
using FlowConnectors.Engine.Flows;

namespace FlowConnectors.Engine.Formats;

/// <summary>
/// Reads a flow: schemas/flow.schema.json checks the shape, each failed keyword becomes the problem
/// (code and message) the flow reader has always reported, checks a schema cannot express follow
/// (duplicate fields, value types, "node:outcome"), and System.Text.Json reads what is left as typed records.
/// Values a problem points at are left out of the typed read, so the flow still comes back for the
/// engine's own checks, as before.
/// </summary>
internal static class FlowFormat
{
    /// <summary>How each closed object of the schema is named in "unknown field" messages.</summary>
    private static readonly Dictionary<string, string> Nouns = new(StringComparer.Ordinal)
    {
        [""] = "a flow",
        ["/$defs/parameter"] = "a parameter",
        ["/$defs/variable"] = "a variable",
        ["/$defs/node"] = "a node",
        ["/$defs/errorPolicy"] = "onError",
        ["/$defs/connection"] = "a connection",
    };

    public static FlowLoadResult Read(JsonElement root, FlowJsonOptions options)
    {
        if (root.ValueKind != JsonValueKind.Object)
            return new(null, [FormatProblem.Error("NOT_A_FLOW", "$", $"a flow must be a JSON object, got {Kind(root)}")]);

        var violations = FormatSchema.Flow.Evaluate(root);
        if (violations.Any(v => v.IsNumberOutOfRange))
            return new(null, violations.Select(v => FormatProblem.Error("WRONG_TYPE", v.Path, v.LibraryMessage)).ToList());

        var found = new List<(string Pointer, bool AtEnd, FormatProblem Problem)>();
        var leaveOut = new HashSet<string>(StringComparer.Ordinal);
        var reported = new HashSet<string>(StringComparer.Ordinal);
        foreach (var violation in violations)
        {
            if (IsExtension(violation, options)) continue;
            if (violation.Keyword == "required")
            {
                foreach (var missing in Missing(violation, root))
                    found.Add((violation.Pointer, true, FormatProblem.Error("MISSING_FIELD", violation.Path, MissingMessage(violation, missing), NodeIdAt(root, violation.Pointer))));
                continue;
            }
            if (Translate(violation, root) is not { } problem) continue;
            if (!reported.Add(violation.Pointer)) continue;
            found.Add((violation.Pointer, false, problem with { NodeId = NodeIdAt(root, violation.Pointer) }));
            leaveOut.Add(violation.Pointer);
        }
        var order = new Dictionary<string, (int Start, int End)>(StringComparer.Ordinal);
        var counter = 0;
        Walk(root, root, "", 0, order, ref counter, found);

        FlowDocument? document;
        try
        {
            document = leaveOut.Count == 0 && !found.Any(f => f.Problem.Code == "DUPLICATE_FIELD")
                ? root.Deserialize(FormatJsonContext.Default.FlowDocument)
                : JsonSerializer.Deserialize(FormatSchema.CopyWithout(root, leaveOut), FormatJsonContext.Default.FlowDocument);
        }
        catch (JsonException e)
        {
            found.Add(("", false, FormatProblem.Error("WRONG_TYPE", e.Path ?? "$", $"unreadable value: {e.Message}")));
            document = null;
        }
        var flow = document is null ? null : ToDefinition(document, root, found);
        var problems = found
            .Select((f, i) => (f.Problem, Key: Position(order, f.Pointer, f.AtEnd), i))
            .OrderBy(f => f.Key).ThenBy(f => f.i)
            .Select(f => f.Problem)
            .ToList();
        return new(flow, problems);
    }

    private static bool IsExtension(SchemaViolation violation, FlowJsonOptions options)
    {
        var first = FormatSchema.Segments(violation.Pointer).FirstOrDefault();
        return first is not null && options.ExtensionBlocks.Contains(first);
    }

    private static IEnumerable<string> Missing(SchemaViolation violation, JsonElement root)
    {
        var instance = FormatSchema.At(root, violation.Pointer);
        var required = FormatSchema.Flow.Subschema(violation.SchemaPointer)?["required"]?.AsArray().Select(r => (string)r!) ?? [];
        var missing = required.Where(name => !instance.TryGetProperty(name, out _)).ToList();
        // A connection without 'from' is reported once: its 'to' means nothing without it.
        return missing.Contains("from") ? ["from"] : missing;
    }

    private static string MissingMessage(SchemaViolation violation, string field) => (violation.Pointer, field) switch
    {
        ("", "format") => $"missing field 'format' (use {FlowDefinition.CurrentFormat})",
        (_, "from") => "missing field 'from' (\"node:outcome\")",
        _ => $"missing field '{field}'",
    };

    /// <summary>Today's code and message for one failed keyword; null where a semantic check owns the rule.</summary>
    private static FormatProblem? Translate(SchemaViolation v, JsonElement root)
    {
        var value = FormatSchema.At(root, v.Pointer);
        var holder = FormatSchema.Flow.Subschema(v.SchemaPointer);
        switch (v.Keyword)
        {
            case "additionalProperties":
                return FormatProblem.Error("UNKNOWN_FIELD", v.Path, $"unknown field '{v.Field}'; {Nouns.GetValueOrDefault(v.SchemaPointer, "an object")} has {string.Join(", ", FieldsOf(v.SchemaPointer))}");
            case "const" when v.Pointer == "/format":
                return value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var format)
                    ? FormatProblem.Error("UNSUPPORTED_FORMAT", v.Path, $"format {format} is not supported; this version reads format {FlowDefinition.CurrentFormat}")
                    : FormatProblem.Error("WRONG_TYPE", v.Path, $"'format' must be an integer, got {Kind(value)}");
            case "enum" or "type" when v.SchemaPointer == "/$defs/node/properties/sideEffects":
                return value.ValueKind == JsonValueKind.String
                    ? FormatProblem.Error("INVALID_SIDE_EFFECTS", v.Path, $"sideEffects '{value.GetString()}' must be none, idempotent or unsafe")
                    : FormatProblem.Error("WRONG_TYPE", v.Path, $"expected a string, got {Kind(value)}");
            case "minLength" when v.Pointer == "/id":
                return FormatProblem.Error("INVALID_ID", "$.id", "flow id must not be empty");
            // Identifiers, names, value types and "node:outcome" have semantic checks with sharper messages.
            case "pattern" or "minLength" or "maxLength":
                return null;
        }
        if (v.SchemaPointer.StartsWith("/$defs/errorPolicy/properties/", StringComparison.Ordinal) && holder is not null)
        {
            var field = v.SchemaPointer[(v.SchemaPointer.LastIndexOf('/') + 1)..];
            if (field == "jitter")
                return FormatProblem.Error("WRONG_TYPE", v.Path, $"'jitter' must be a number from 0 to 1, got {value.GetRawText()}");
            if ((string?)holder["type"] == "integer")
                return FormatProblem.Error("WRONG_TYPE", v.Path, $"expected an integer from {holder["minimum"]} to {holder["maximum"]}, got {value.GetRawText()}");
        }
        return v.Keyword switch
        {
            "enum" => FormatProblem.Error("WRONG_TYPE", v.Path,
                $"expected one of {string.Join(", ", holder?["enum"]?.AsArray().Select(e => e!.ToJsonString()) ?? [])}, got {value.GetRawText()}"),
            "type" => FormatProblem.Error("WRONG_TYPE", v.Path, $"expected {FormatSchema.Expected((string?)holder?["type"])}, got {Kind(value)}"),
            _ => FormatProblem.Error("WRONG_TYPE", v.Path, v.LibraryMessage),
        };
    }

    private static IEnumerable<string> FieldsOf(string schemaPointer)
    {
        var fields = FormatSchema.Flow.Subschema(schemaPointer)?["properties"]?.AsObject().Select(p => p.Key) ?? [];
        // A flow's own fields, then the blocks other layers own, then the designer's 'ui', as the message always read.
        var extensions = FlowJsonOptions.Default.ExtensionBlocks.Order(StringComparer.Ordinal).ToList();
        return schemaPointer.Length == 0
            ? fields.Where(f => f != "ui" && !extensions.Contains(f)).Concat(extensions).Append("ui")
            : fields;
    }

    private static string? NodeIdAt(JsonElement root, string pointer)
    {
        if (!pointer.StartsWith("/nodes/", StringComparison.Ordinal)) return null;
        var node = FormatSchema.At(root, "/nodes/" + FormatSchema.Segments(pointer).ElementAt(1));
        return node.ValueKind == JsonValueKind.Object && node.TryGetProperty("id", out var id) && id.ValueKind == JsonValueKind.String ? id.GetString() : null;
    }

    /// <summary>Objects whose fields are the format's own (not free-form values), by pointer shape.</summary>
    private static bool IsStructural(string pointer, int depth) => depth switch
    {
        0 => true,
        2 => pointer.StartsWith("/inputs/", StringComparison.Ordinal) || pointer.StartsWith("/outputs/", StringComparison.Ordinal)
            || pointer.StartsWith("/variables/", StringComparison.Ordinal) || pointer.StartsWith("/nodes/", StringComparison.Ordinal)
            || pointer.StartsWith("/connections/", StringComparison.Ordinal),
        3 => pointer.StartsWith("/nodes/", StringComparison.Ordinal) && (pointer.EndsWith("/onError", StringComparison.Ordinal) || pointer.EndsWith("/inputs", StringComparison.Ordinal)),
        _ => false,
    };

    /// <summary>
    /// Numbers the format's own objects and fields in document order (problems are listed in it) and reports
    /// a field that appears twice, which a schema cannot see (the first one counts).
    /// </summary>
    private static void Walk(JsonElement root, JsonElement element, string pointer, int depth, Dictionary<string, (int, int)> order, ref int counter,
        List<(string, bool, FormatProblem)> found)
    {
        var start = counter++;
        if (depth < 4 && element.ValueKind == JsonValueKind.Object)
        {
            var structural = IsStructural(pointer, depth);
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in element.EnumerateObject())
            {
                var child = pointer + "/" + Escape(property.Name);
                if (!seen.Add(property.Name))
                {
                    if (!structural) continue;
                    var isInput = depth == 3 && pointer.EndsWith("/inputs", StringComparison.Ordinal);
                    found.Add((child, false, FormatProblem.Error("DUPLICATE_FIELD", FormatSchema.ToPath(root, child),
                        isInput ? $"input '{property.Name}' appears twice" : $"field '{property.Name}' appears twice", NodeIdAt(root, child))));
                    continue;
                }
                Walk(root, property.Value, child, depth + 1, order, ref counter, found);
            }
        }
        else if (depth < 4 && element.ValueKind == JsonValueKind.Array)
        {
            var index = 0;
            foreach (var item in element.EnumerateArray()) Walk(root, item, pointer + "/" + index++, depth + 1, order, ref counter, found);
        }
        order[pointer] = (start, counter);
    }

    /// <summary>Where a problem sorts: at its value, or (a missing field) after everything in its object.</summary>
    private static double Position(Dictionary<string, (int Start, int End)> order, string pointer, bool atEnd)
    {
        var probe = pointer;
        while (!order.ContainsKey(probe) && probe.Length > 0) probe = probe[..probe.LastIndexOf('/')];
        var (start, end) = order.GetValueOrDefault(probe);
        // A missing field sorts after its object's contents, and an inner object's before its container's.
        return atEnd ? end - 0.5 - 0.01 * pointer.Count(c => c == '/') : start;
    }

    private static string Escape(string name) => FormatSchema.Escape(name);

    /// <summary>The model from the typed records, with the checks a schema cannot make.</summary>
    private static FlowDefinition ToDefinition(FlowDocument document, JsonElement root, List<(string, bool, FormatProblem)> found)
    {
        string TypeName(string? type, string pointer)
        {
            type ??= Values.ValueTypes.Any;
            if (!Values.ValueTypes.IsKnown(type))
                found.Add((pointer, false, FormatProblem.Error("UNKNOWN_TYPE", FormatSchema.ToPath(root, pointer),
                    $"unknown type '{type}'; use string, number, integer, boolean, datetime, object, any, array or array<T>")));
            return type;
        }
        List<FlowParameter> Parameters(List<FlowParameterDocument?>? list, string name) =>
            list?.Select((p, i) => (p, i)).Where(x => x.p is not null).Select(x => new FlowParameter
            {
                Name = x.p!.Name ?? "",
                Type = TypeName(x.p.Type, $"/{name}/{x.i}/type"),
                Label = x.p.Label,
                Description = x.p.Description,
                Required = x.p.Required,
                Secret = x.p.Secret,
                Default = x.p.Default,
                Options = x.p.Options,
            }).ToList() ?? [];

        var flow = new FlowDefinition
        {
            Format = document.Format,
            Id = document.Id ?? "",
            Name = document.Name,
            Description = document.Description,
            Version = document.Version,
            Inputs = Parameters(document.Inputs, "inputs"),
            Outputs = Parameters(document.Outputs, "outputs"),
            Variables = document.Variables?.Select((v, i) => (v, i)).Where(x => x.v is not null).Select(x => new FlowVariable
            {
                Name = x.v!.Name ?? "",
                Type = TypeName(x.v.Type, $"/variables/{x.i}/type"),
                Default = x.v.Default,
            }).ToList() ?? [],
            Start = document.Start,
            ErrorFlow = document.ErrorFlow,
            Ui = document.Ui,
        };
        foreach (var node in document.Nodes ?? [])
        {
            if (node is null) continue;
            var definition = new FlowNode { Id = node.Id ?? "", Type = node.Type ?? "", Name = node.Name, Description = node.Description, Ui = node.Ui };
            if (node.SideEffects is { } effectsName && Activities.SideEffectNames.TryParse(effectsName, out var effects)) definition.SideEffects = effects;
            foreach (var (name, value) in node.Inputs ?? []) definition.Inputs[name] = value;
            if (node.OnError is { } policy)
                definition.OnError = new NodeErrorPolicy
                {
                    Retries = policy.Retries,
                    DelayMs = policy.DelayMs,
                    Backoff = policy.Backoff,
                    MaxDelayMs = policy.MaxDelayMs,
                    Jitter = policy.Jitter,
                    Then = policy.Then,
                    Value = policy.Value,
                };
            flow.Nodes.Add(definition);
        }
        var index = 0;
        foreach (var connection in document.Connections ?? [])
        {
            var pointer = $"/connections/{index++}";
            if (connection?.From is not { } from || connection.To is not { } to) continue;
            var colon = from.LastIndexOf(':');
            if (colon <= 0 || colon == from.Length - 1)
            {
                found.Add((pointer + "/from", false, FormatProblem.Error("INVALID_CONNECTION", FormatSchema.ToPath(root, pointer + "/from"),
                    $"'from' must be \"node:outcome\", got \"{from}\"")));
                continue;
            }
            flow.Connections.Add(new FlowConnection { FromNode = from[..colon], Outcome = from[(colon + 1)..], To = to });
        }
        foreach (var (name, value) in document.Extensions ?? [])
            flow.Extensions[name] = value?.DeepClone();
        return flow;
    }

    internal static string Kind(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
