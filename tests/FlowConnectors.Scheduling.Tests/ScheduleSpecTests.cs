using System.Text.Json.Nodes;

namespace FlowConnectors.Scheduling.Tests;

public sealed class ScheduleSpecTests
{
    private static JsonObject Json(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Each_kind_parses_into_its_schedule_and_writes_back_the_same_json()
    {
        var interval = ScheduleSpec.Parse(Json("""{ "kind": "interval", "every": "00:05:00" }"""));
        interval.Schedule.ShouldBeOfType<IntervalSchedule>().Every.ShouldBe(TimeSpan.FromMinutes(5));
        var cron = ScheduleSpec.Parse(Json("""{ "kind": "cron", "expression": "0 23 * * *", "timeZone": "Europe/Berlin" }"""));
        cron.Schedule.ShouldBeOfType<CronSchedule>().TimeZone.ShouldBe("Europe/Berlin");
        var daily = ScheduleSpec.Parse(Json("""{ "kind": "dailyAt", "time": "23:00", "timeZone": "Europe/Berlin" }"""));
        daily.Schedule.ShouldBeOfType<DailyAtSchedule>().Time.ShouldBe(new TimeOnly(23, 0));

        foreach (var spec in new[] { interval, cron, daily })
            ScheduleSpec.Parse(spec.ToJson()).ToJson().ToJsonString().ShouldBe(spec.ToJson().ToJsonString());
        daily.ToJson().ToJsonString().ShouldBe("""{"kind":"dailyAt","time":"23:00","timeZone":"Europe/Berlin"}""");
    }

    [Fact]
    public void Time_zone_defaults_to_UTC_and_ISO_durations_are_accepted()
    {
        ScheduleSpec.Parse(Json("""{ "kind": "cron", "expression": "0 * * * *" }""")).TimeZone.ShouldBe("UTC");
        ScheduleSpec.Parse(Json("""{ "kind": "interval", "every": "PT90S" }""")).Every.ShouldBe(TimeSpan.FromSeconds(90));
    }

    [Theory]
    [InlineData("""{ "every": "00:05:00" }""", "kind", "a kind is required")]
    [InlineData("""{ "kind": "weekly" }""", "kind", "unknown kind 'weekly'")]
    [InlineData("""{ "kind": "interval" }""", "every", "every is required")]
    [InlineData("""{ "kind": "interval", "every": "soon" }""", "every", "'soon' is not an interval")]
    [InlineData("""{ "kind": "interval", "every": "-00:01:00" }""", "every", "must be positive")]
    [InlineData("""{ "kind": "cron", "expression": "0 25 * * *" }""", "expression", "not a valid cron expression")]
    [InlineData("""{ "kind": "cron", "expression": 5 }""", "expression", "must be a string")]
    [InlineData("""{ "kind": "dailyAt", "time": "11pm" }""", "time", "'11pm' is not a time of day")]
    [InlineData("""{ "kind": "dailyAt", "time": "23:00", "timeZone": "Europe/Berln" }""", "timeZone", "unknown time zone 'Europe/Berln'")]
    [InlineData("""{ "kind": "dailyAt", "time": "23:00", "expression": "x" }""", "expression", "not a setting of a dailyAt schedule")]
    public void Errors_name_the_field(string json, string field, string message)
    {
        var e = Should.Throw<ScheduleFormatException>(() => ScheduleSpec.Parse(Json(json)));
        e.Field.ShouldBe(field);
        e.Message.ShouldStartWith(field + ": ");
        e.Message.ShouldContain(message);
    }
}
