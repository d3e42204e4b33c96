using System.Text;
using Jint.Native;
using JintEngine = Jint.Engine;

namespace FlowConnectors.Engine.Expressions;

/// <summary>The helpers every script sees: <c>base64</c>, <c>url</c> and <c>dates</c>, installed once per engine.</summary>
internal static class ScriptHelpers
{
    /// <param name="clock">The clock of the run holding the engine now (<c>dates.now</c>).</param>
    public static void Install(JintEngine engine, Func<TimeProvider> clock)
    {
        JsValue Function(Func<string, string> body) => JsValue.FromObject(engine, body);

        var base64 = new JsObject(engine);
        base64.FastSetDataProperty("encode", Function(s => Convert.ToBase64String(Encoding.UTF8.GetBytes(s))));
        base64.FastSetDataProperty("decode", Function(s =>
        {
            try { return Encoding.UTF8.GetString(Convert.FromBase64String(s)); }
            catch (FormatException) { throw new ExpressionException("base64.decode: the text is not valid Base64"); }
        }));
        engine.SetValue("base64", base64);

        var url = new JsObject(engine);
        url.FastSetDataProperty("encode", Function(Uri.EscapeDataString));
        url.FastSetDataProperty("decode", Function(Uri.UnescapeDataString));
        engine.SetValue("url", url);

        var dates = new JsObject(engine);
        dates.FastSetDataProperty("now", JsValue.FromObject(engine, new Func<string>(() =>
            Values.ValueConverter.FormatDateTime(clock().GetUtcNow()))));
        dates.FastSetDataProperty("addMinutes", JsValue.FromObject(engine, new Func<string, double, string>((date, minutes) =>
            Values.ValueConverter.FormatDateTime(DateHelpers.Parse(date).AddMinutes(minutes)))));
        dates.FastSetDataProperty("addDays", JsValue.FromObject(engine, new Func<string, double, string>((date, days) =>
            Values.ValueConverter.FormatDateTime(DateHelpers.Parse(date).AddDays(days)))));
        dates.FastSetDataProperty("format", JsValue.FromObject(engine, new Func<string, string, string?, string>((date, format, zone) =>
            DateHelpers.Format(DateHelpers.Parse(date), format, zone))));
        engine.SetValue("dates", dates);
    }
}
