using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using JintEngine = Jint.Engine;

namespace FlowConnectors.Engine.Expressions;

/// <summary>
/// Built-ins that turn a small value into a huge string in one native call (<c>JSON.stringify</c> of 200
/// references to one 10 MB string, <c>join</c>, <c>repeat</c>, <c>padStart</c>/<c>padEnd</c>) allocate it
/// all before the engine's memory limit is checked again. Each is wrapped so the size it would produce is
/// estimated first, and a result over <see cref="ScriptLimits.MaxStringLength"/> faults before it exists.
/// </summary>
internal static class ResultSizeGuards
{
    // Deeper than this the estimate stops (the built-in itself then meets the stack guard or a cycle).
    private const int MaxWalkDepth = 1000;

    private static readonly Prepared<Acornima.Ast.Script> Installer = JintEngine.PrepareScript("""
        (function (max, tooLong, checkStringify, checkJoin) {
          const stringify = JSON.stringify, join = Array.prototype.join, repeat = String.prototype.repeat,
                padStart = String.prototype.padStart, padEnd = String.prototype.padEnd;
          JSON.stringify = function stringify_(value, replacer, space) { checkStringify(value, space); return stringify.call(JSON, value, replacer, space); };
          Array.prototype.join = function join_(separator) { checkJoin(this, separator === undefined ? ',' : String(separator)); return join.call(this, separator); };
          String.prototype.repeat = function repeat_(count) { if (String(this).length * Number(count) > max) tooLong('repeat'); return repeat.call(this, count); };
          String.prototype.padStart = function padStart_(length, fill) { if (Number(length) > max) tooLong('padStart'); return padStart.call(this, length, fill); };
          String.prototype.padEnd = function padEnd_(length, fill) { if (Number(length) > max) tooLong('padEnd'); return padEnd.call(this, length, fill); };
        })
        """, source: ScriptHost.BuiltInSource, strict: true);

    public static void Install(JintEngine engine, int maxLength)
    {
        var install = engine.Evaluate(Installer);
        engine.Invoke(install,
            maxLength,
            new Action<string>(name => throw TooLong(name, maxLength)),
            new Action<JsValue, JsValue>((value, space) =>
            {
                if (EstimateJson(value, Indent(space), maxLength) > maxLength) throw TooLong("JSON.stringify", maxLength);
            }),
            new Action<JsValue, string>((array, separator) =>
            {
                if (EstimateJoin(array, separator.Length, maxLength, 0) > maxLength) throw TooLong("join", maxLength);
            }));
    }

    private static ExpressionException TooLong(string name, int maxLength) =>
        new($"{name} would produce a string over the limit of {maxLength:N0} characters");

    private static int Indent(JsValue space)
    {
        if (space.IsNumber()) return (int)Math.Clamp(space.AsNumber(), 0, 10);
        if (space.IsString()) return Math.Min(space.AsString().Length, 10);
        return 0;
    }

    /// <summary>At least the length of the JSON text, stopping as soon as it passes <paramref name="budget"/>.</summary>
    private static long EstimateJson(JsValue root, int indent, long budget)
    {
        long total = 0;
        var pending = new Stack<(JsValue Value, int Depth)>();
        pending.Push((root, 0));
        while (pending.Count > 0 && total <= budget)
        {
            var (value, depth) = pending.Pop();
            total += indent > 0 ? 1 + (long)indent * depth : 0;
            switch (value.Type)
            {
                case Types.String:
                    total += value.AsString().Length + 2;
                    continue;
                case Types.Undefined or Types.Null or Types.Boolean or Types.Number or Types.BigInt or Types.Symbol:
                    total += 4;
                    continue;
            }
            if (depth >= MaxWalkDepth || value is not ObjectInstance obj || obj is Jint.Native.Function.Function)
            {
                total += 2;
                continue;
            }
            if (obj is JsArray array)
            {
                var length = array.Length;
                total += 2 + length;
                for (uint i = 0; i < length && total <= budget; i++) pending.Push((array.Get(i), depth + 1));
                continue;
            }
            total += 2;
            foreach (var key in obj.GetOwnPropertyKeys(Types.String))
            {
                var descriptor = obj.GetOwnProperty(key);
                if (!descriptor.Enumerable || descriptor.IsAccessorDescriptor()) continue;
                total += key.AsString().Length + 4;
                if (descriptor.Value is { } child) pending.Push((child, depth + 1));
                if (total > budget) break;
            }
        }
        return total;
    }

    /// <summary>At least the length of <c>array.join(separator)</c> (nested arrays join with commas).</summary>
    private static long EstimateJoin(JsValue value, int separatorLength, long budget, int depth)
    {
        if (value is not JsArray array || depth >= MaxWalkDepth) return 0;
        var length = array.Length;
        long total = length == 0 ? 0 : (long)(length - 1) * separatorLength;
        for (uint i = 0; i < length && total <= budget; i++)
        {
            var item = array.Get(i);
            total += item.Type switch
            {
                Types.String => item.AsString().Length,
                Types.Number or Types.Boolean or Types.BigInt => 1,
                _ when item is JsArray => EstimateJoin(item, 1, budget - total, depth + 1),
                _ => 0,
            };
        }
        return total;
    }
}
