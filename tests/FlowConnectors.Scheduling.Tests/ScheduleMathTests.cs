namespace FlowConnectors.Scheduling.Tests;

public sealed class ScheduleMathTests
{
    private static DateTimeOffset Utc(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture).ToUniversalTime();

    [Fact]
    public void Daily_at_23_00_Berlin_fires_at_21_00_UTC_in_summer_and_22_00_UTC_in_winter()
    {
        var schedule = new DailyAtSchedule(new TimeOnly(23, 0), "Europe/Berlin");
        schedule.NextAfter(Utc("2026-07-01T00:00:00Z")).ShouldBe(Utc("2026-07-01T21:00:00Z"));
        schedule.NextAfter(Utc("2026-01-10T00:00:00Z")).ShouldBe(Utc("2026-01-10T22:00:00Z"));
    }

    [Fact]
    public void Daily_at_moves_to_the_next_day_once_today_has_passed()
    {
        var schedule = new DailyAtSchedule(new TimeOnly(23, 0), "Europe/Berlin");
        schedule.NextAfter(Utc("2026-07-01T21:00:00Z")).ShouldBe(Utc("2026-07-02T21:00:00Z"));
        schedule.NextAfter(Utc("2026-07-01T22:30:00Z")).ShouldBe(Utc("2026-07-02T21:00:00Z"));
    }

    [Fact]
    public void Daily_at_02_30_on_spring_forward_day_fires_right_after_the_gap()
    {
        // 2026-03-29: Berlin jumps from 02:00 CET to 03:00 CEST at 01:00 UTC; 02:30 does not exist.
        var schedule = new DailyAtSchedule(new TimeOnly(2, 30), "Europe/Berlin");
        var first = schedule.NextAfter(Utc("2026-03-28T12:00:00Z"));
        first.ShouldBe(Utc("2026-03-29T01:00:00Z"));
        schedule.NextAfter(first!.Value).ShouldBe(Utc("2026-03-30T00:30:00Z"));
    }

    [Fact]
    public void Daily_at_02_30_on_fall_back_day_fires_once_at_the_first_occurrence()
    {
        // 2026-10-25: 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
        var schedule = new DailyAtSchedule(new TimeOnly(2, 30), "Europe/Berlin");
        var first = schedule.NextAfter(Utc("2026-10-24T12:00:00Z"));
        first.ShouldBe(Utc("2026-10-25T00:30:00Z"));
        schedule.NextAfter(first!.Value).ShouldBe(Utc("2026-10-26T01:30:00Z"));
        schedule.NextAfter(Utc("2026-10-25T01:00:00Z")).ShouldBe(Utc("2026-10-26T01:30:00Z"));
    }

    [Fact]
    public void Daily_at_in_a_zone_east_of_UTC_fires_on_the_right_local_day()
    {
        var schedule = new DailyAtSchedule(new TimeOnly(6, 0), "Asia/Tokyo");
        schedule.NextAfter(Utc("2026-05-01T20:00:00Z")).ShouldBe(Utc("2026-05-01T21:00:00Z"));
        schedule.NextAfter(Utc("2026-05-01T21:00:00Z")).ShouldBe(Utc("2026-05-02T21:00:00Z"));
    }

    [Fact]
    public void Cron_with_time_zone_follows_local_time_across_DST()
    {
        var schedule = new CronSchedule("0 23 * * *", "Europe/Berlin");
        var beforeChange = schedule.NextAfter(Utc("2026-03-28T00:00:00Z"));
        beforeChange.ShouldBe(Utc("2026-03-28T22:00:00Z"));
        schedule.NextAfter(beforeChange!.Value).ShouldBe(Utc("2026-03-29T21:00:00Z"));
    }

    [Fact]
    public void Cron_with_six_fields_is_read_with_seconds()
    {
        new CronSchedule("*/30 * * * * *").NextAfter(Utc("2026-01-01T12:00:10Z")).ShouldBe(Utc("2026-01-01T12:00:30Z"));
        new CronSchedule("*/15 * * * *").NextAfter(Utc("2026-01-01T12:00:10Z")).ShouldBe(Utc("2026-01-01T12:15:00Z"));
    }

    [Fact]
    public void Invalid_cron_expression_names_the_expression_field()
    {
        var bad = Should.Throw<ScheduleFormatException>(() => new CronSchedule("61 * * * *"));
        bad.Field.ShouldBe("expression");
        bad.Message.ShouldStartWith("expression: '61 * * * *' is not a valid cron expression");
        var count = Should.Throw<ScheduleFormatException>(() => new CronSchedule("* * *"));
        count.Field.ShouldBe("expression");
        count.Message.ShouldContain("has 3 fields; use 5");
    }

    [Fact]
    public void Unknown_time_zone_names_the_time_zone_field()
    {
        var e = Should.Throw<ScheduleFormatException>(() => new DailyAtSchedule(new TimeOnly(9, 0), "Mars/Olympus"));
        e.Field.ShouldBe("timeZone");
        e.Message.ShouldBe("timeZone: unknown time zone 'Mars/Olympus'; use an IANA id such as 'Europe/Berlin' or 'UTC'");
        Should.Throw<ScheduleFormatException>(() => new CronSchedule("0 * * * *", "Nowhere")).Field.ShouldBe("timeZone");
    }

    [Fact]
    public void Interval_without_anchor_counts_from_the_given_instant_and_with_anchor_keeps_a_grid()
    {
        new IntervalSchedule(TimeSpan.FromMinutes(5)).NextAfter(Utc("2026-01-01T12:01:00Z")).ShouldBe(Utc("2026-01-01T12:06:00Z"));
        var grid = new IntervalSchedule(TimeSpan.FromMinutes(5), Utc("2026-01-01T00:00:00Z"));
        grid.NextAfter(Utc("2026-01-01T12:01:00Z")).ShouldBe(Utc("2026-01-01T12:05:00Z"));
        grid.NextAfter(Utc("2026-01-01T12:05:00Z")).ShouldBe(Utc("2026-01-01T12:10:00Z"));
        grid.NextAfter(Utc("2025-12-31T00:00:00Z")).ShouldBe(Utc("2026-01-01T00:00:00Z"));
        Should.Throw<ScheduleFormatException>(() => new IntervalSchedule(TimeSpan.Zero)).Field.ShouldBe("every");
    }
}
