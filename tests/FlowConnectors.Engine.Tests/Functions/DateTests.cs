using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Dates;
using FlowConnectors.Engine.Runtime;

namespace FlowConnectors.Engine.Tests.Functions;

/// <summary>Berlin switches to summer time on 2026-03-29 at 02:00 and back on 2026-10-25 at 03:00.</summary>
public sealed class DateTests
{
    private static FlowEngineOptions At(string utc) => new() { Clock = new FakeClock(DateTimeOffset.Parse(utc, System.Globalization.CultureInfo.InvariantCulture)) };

    [Fact]
    public async Task Now_reads_the_injected_clock_in_UTC_by_default()
    {
        var result = await ActivityRunner.RunAsync<DateNow>(null, At("2026-03-29T08:30:00Z"));
        result.ShouldBeDone().Text().ShouldBe("2026-03-29T08:30:00Z");
        result.Text("iso").ShouldBe("2026-03-29T08:30:00Z");
    }

    [Fact]
    public async Task Now_in_a_time_zone_uses_its_offset_and_format()
    {
        var result = await ActivityRunner.RunAsync<DateNow>(new JsonObject { ["timeZone"] = "Europe/Berlin", ["format"] = "yyyy-MM-dd HH:mm" }, At("2026-03-29T08:30:00Z"));
        result.Text().ShouldBe("2026-03-29 10:30");
        result.Text("iso").ShouldBe("2026-03-29T10:30:00+02:00");
    }

    [Fact]
    public async Task Now_faults_on_an_unknown_time_zone()
    {
        var result = await ActivityRunner.RunAsync<DateNow>(new JsonObject { ["timeZone"] = "Mars/Olympus" }, At("2026-03-29T08:30:00Z"));
        result.ShouldFaultWith("unknown time zone 'Mars/Olympus' (use an IANA name such as Europe/Berlin)");
    }

    [Fact]
    public async Task Date_add_keeps_local_time_across_a_DST_change()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject
        {
            ["date"] = "2026-03-28T09:00:00+01:00", ["amount"] = 1, ["unit"] = "days", ["timeZone"] = "Europe/Berlin",
        });
        result.ShouldBeDone().Text().ShouldBe("2026-03-29T09:00:00+02:00");
    }

    [Fact]
    public async Task Date_add_without_a_time_zone_keeps_the_dates_own_offset()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "2026-03-28T09:00:00+01:00", ["amount"] = 1, ["unit"] = "days" });
        result.Text().ShouldBe("2026-03-29T09:00:00+01:00");
    }

    [Fact]
    public async Task Date_add_of_hours_counts_elapsed_time_across_a_DST_change()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject
        {
            ["date"] = "2026-03-29T01:30:00+01:00", ["amount"] = 1, ["unit"] = "hours", ["timeZone"] = "Europe/Berlin",
        });
        result.Text().ShouldBe("2026-03-29T03:30:00+02:00");
    }

    [Fact]
    public async Task Date_add_moves_a_local_time_skipped_by_DST_forward_by_the_gap()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject
        {
            ["date"] = "2026-03-28T02:30:00+01:00", ["amount"] = 1, ["unit"] = "days", ["timeZone"] = "Europe/Berlin",
        });
        result.Text().ShouldBe("2026-03-29T03:30:00+02:00");
    }

    [Fact]
    public async Task Date_add_of_a_month_stops_at_the_end_of_a_shorter_month()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "2026-01-31T12:00:00Z", ["amount"] = 1, ["unit"] = "months" });
        result.Text().ShouldBe("2026-02-28T12:00:00Z");
    }

    [Fact]
    public async Task Date_add_subtracts_with_a_negative_amount()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "2026-01-01T00:00:00Z", ["amount"] = -90, ["unit"] = "minutes" });
        result.Text().ShouldBe("2025-12-31T22:30:00Z");
    }

    [Fact]
    public async Task Date_add_faults_on_a_fractional_number_of_months()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "2026-01-31T12:00:00Z", ["amount"] = 1.5, ["unit"] = "months" });
        result.ShouldFaultWith("amount must be a whole number of months, got 1.5");
    }

    [Fact]
    public async Task Date_add_faults_on_text_that_is_not_a_date()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "next tuesday", ["amount"] = 1 });
        result.ShouldFaultWith("date: 'next tuesday' is not a date and time (use ISO 8601");
    }

    [Fact]
    public async Task Date_add_faults_when_the_result_leaves_the_calendar()
    {
        var result = await ActivityRunner.RunAsync<DateAdd>(new JsonObject { ["date"] = "9999-12-01T00:00:00Z", ["amount"] = 1, ["unit"] = "years" });
        result.ShouldFaultWith("the result is outside the supported date range");
    }

    [Theory]
    [InlineData("iso", "", "2026-07-01T12:34:56Z")]
    [InlineData("unix", "", "1782909296")]
    [InlineData("unixMs", "", "1782909296000")]
    [InlineData("dd.MM.yyyy HH:mm", "Europe/Berlin", "01.07.2026 14:34")]
    [InlineData("dddd, MMMM d, yyyy h:mm tt", "America/New_York", "Wednesday, July 1, 2026 8:34 AM")]
    public async Task Format_writes_the_date_in_the_requested_format_and_zone(string format, string zone, string expected)
    {
        var result = await ActivityRunner.RunAsync<DateFormat>(new JsonObject { ["date"] = "2026-07-01T12:34:56Z", ["format"] = format, ["timeZone"] = zone });
        result.ShouldBeDone().Text().ShouldBe(expected);
    }

    [Fact]
    public async Task Format_keeps_the_offset_the_date_was_written_with()
    {
        var result = await ActivityRunner.RunAsync<DateFormat>(new JsonObject { ["date"] = "2026-07-01T09:00:00-07:00", ["format"] = "HH:mm zzz" });
        result.Text().ShouldBe("09:00 -07:00");
    }

    [Fact]
    public async Task Format_reads_a_number_as_milliseconds_since_1970()
    {
        var result = await ActivityRunner.RunAsync<DateFormat>(new JsonObject { ["date"] = 1782909296000 });
        result.Text().ShouldBe("2026-07-01T12:34:56Z");
    }

    [Fact]
    public async Task Format_faults_on_an_invalid_format()
    {
        var result = await ActivityRunner.RunAsync<DateFormat>(new JsonObject { ["date"] = "2026-07-01T12:34:56Z", ["format"] = "%" });
        result.ShouldFaultWith("'%' is not a valid date format");
    }

    [Fact]
    public async Task Parse_reads_an_exact_format_as_local_time_in_the_zone()
    {
        var winter = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "28.03.2026 10:15", ["format"] = "dd.MM.yyyy HH:mm", ["timeZone"] = "Europe/Berlin" });
        winter.ShouldBeDone().Text().ShouldBe("2026-03-28T10:15:00+01:00");
        var summer = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "29.03.2026 10:15", ["format"] = "dd.MM.yyyy HH:mm", ["timeZone"] = "Europe/Berlin" });
        summer.Text().ShouldBe("2026-03-29T10:15:00+02:00");
    }

    [Fact]
    public async Task Parse_takes_a_repeated_local_time_as_its_first_occurrence()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-10-25T02:30:00", ["timeZone"] = "Europe/Berlin" });
        result.Text().ShouldBe("2026-10-25T02:30:00+02:00");
    }

    [Fact]
    public async Task Parse_without_offset_or_zone_means_UTC()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-03-29 10:15" });
        result.Text().ShouldBe("2026-03-29T10:15:00Z");
    }

    [Fact]
    public async Task Parse_keeps_a_written_offset_and_expresses_it_in_the_zone()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-03-29T08:00:00Z", ["timeZone"] = "America/New_York" });
        result.Text().ShouldBe("2026-03-29T04:00:00-04:00");
        var kept = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-03-29T08:00:00+05:30" });
        kept.Text().ShouldBe("2026-03-29T08:00:00+05:30");
    }

    [Fact]
    public async Task Parse_reads_unix_seconds()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "1782909296", ["format"] = "unix" });
        result.Text().ShouldBe("2026-07-01T12:34:56Z");
    }

    [Fact]
    public async Task Parse_faults_on_text_that_does_not_fit_the_format()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-03-29", ["format"] = "dd.MM.yyyy" });
        result.ShouldFaultWith("'2026-03-29' is not a date and time (expected format 'dd.MM.yyyy')");
    }

    [Fact]
    public async Task Parse_faults_on_an_unknown_time_zone()
    {
        var result = await ActivityRunner.RunAsync<DateParse>(new JsonObject { ["text"] = "2026-03-29 10:15", ["timeZone"] = "Europe/Atlantis" });
        result.ShouldFaultWith("unknown time zone 'Europe/Atlantis'");
    }

    [Fact]
    public async Task Convert_time_zone_writes_the_same_moment_with_the_zones_offset()
    {
        var result = await ActivityRunner.RunAsync<ConvertTimeZone>(new JsonObject { ["date"] = "2026-07-01T12:00:00Z", ["timeZone"] = "Asia/Tokyo" });
        result.ShouldBeDone().Text().ShouldBe("2026-07-01T21:00:00+09:00");
        result.Text("local").ShouldBe("2026-07-01T21:00:00");
        result.Text("offset").ShouldBe("+09:00");
    }

    [Fact]
    public async Task Convert_time_zone_faults_on_an_empty_zone()
    {
        var result = await ActivityRunner.RunAsync<ConvertTimeZone>(new JsonObject { ["date"] = "2026-07-01T12:00:00Z", ["timeZone"] = "" });
        result.ShouldFaultWith("timeZone must not be empty");
    }

    [Theory]
    [InlineData("2026-03-28T12:00:00+01:00", "2026-03-29T12:00:00+02:00", "hours", 23)]
    [InlineData("2026-01-01T00:00:00Z", "2026-01-02T12:00:00Z", "days", 1.5)]
    [InlineData("2026-01-01T00:00:00Z", "2026-01-15T00:00:00Z", "weeks", 2)]
    [InlineData("2026-01-31T00:00:00Z", "2026-03-30T00:00:00Z", "months", 1)]
    [InlineData("2026-03-30T00:00:00Z", "2026-01-31T00:00:00Z", "months", -1)]
    [InlineData("2020-02-29T00:00:00Z", "2026-02-28T00:00:00Z", "years", 6)]
    [InlineData("2026-01-01T00:00:10Z", "2026-01-01T00:00:00Z", "seconds", -10)]
    public async Task Difference_measures_from_start_to_end_in_the_unit(string start, string end, string unit, double expected)
    {
        var result = await ActivityRunner.RunAsync<DateDifference>(new JsonObject { ["start"] = start, ["end"] = end, ["unit"] = unit });
        result.ShouldBeDone().Number().ShouldBe(expected);
    }

    [Fact]
    public async Task Difference_names_the_input_that_is_not_a_date()
    {
        var result = await ActivityRunner.RunAsync<DateDifference>(new JsonObject { ["start"] = "2026-01-01", ["end"] = "soon" });
        result.ShouldFaultWith("end: 'soon' is not a date and time");
    }

    [Fact]
    public async Task Date_nodes_schedule_a_meeting_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "date-chain",
          "inputs": [ { "name": "local", "type": "string", "required": true } ],
          "outputs": [ { "name": "reminder", "type": "string" }, { "name": "hoursAway", "type": "number" } ],
          "nodes": [
            { "id": "now", "type": "Date.Now" },
            { "id": "parse", "type": "Date.Parse", "inputs": { "text": { "js": "input.local" }, "format": "yyyy-MM-dd HH:mm", "timeZone": "Europe/Berlin" } },
            { "id": "week", "type": "Date.Add", "inputs": { "date": { "js": "nodes.parse.result" }, "amount": 1, "unit": "weeks", "timeZone": "Europe/Berlin" } },
            { "id": "show", "type": "Date.Format", "inputs": { "date": { "js": "nodes.week.result" }, "format": "ddd dd MMM HH:mm", "timeZone": "Europe/Berlin" } },
            { "id": "until", "type": "Date.Difference", "inputs": { "start": { "js": "nodes.now.iso" }, "end": { "js": "nodes.week.result" }, "unit": "hours" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "reminder", "value": { "js": "nodes.show.result" } } },
            { "id": "away", "type": "SetOutput", "inputs": { "name": "hoursAway", "value": { "js": "nodes.until.result" } } }
          ],
          "connections": [
            { "from": "now:done", "to": "parse" }, { "from": "parse:done", "to": "week" }, { "from": "week:done", "to": "show" },
            { "from": "show:done", "to": "until" }, { "from": "until:done", "to": "out" }, { "from": "out:done", "to": "away" }
          ]
        }
        """, Flow.Input("""{ "local": "2026-03-25 09:00" }"""), At("2026-03-25T08:00:00Z"));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["reminder"]!.GetValue<string>().ShouldBe("Wed 01 Apr 09:00");
        // 7 days minus the hour lost to summer time: 09:00 CET now is 08:00Z; 09:00 CEST next week is 07:00Z.
        result.Outputs["hoursAway"]!.GetValue<long>().ShouldBe(7 * 24 - 1);
    }
}
