using System.Text.Json.Nodes;
using FlowConnectors.Engine.Activities;
using FlowConnectors.Engine.Activities.Functions.Numbers;
using static FlowConnectors.Engine.Tests.Functions.FunctionTestKit;

namespace FlowConnectors.Engine.Tests.Functions;

public sealed class NumberTests
{
    [Theory]
    [InlineData("add", 7, 2, 9)]
    [InlineData("subtract", 7, 2, 5)]
    [InlineData("multiply", 7, 2, 14)]
    [InlineData("divide", 7, 2, 3.5)]
    [InlineData("modulo", 7, 2, 1)]
    [InlineData("power", 2, 10, 1024)]
    [InlineData("min", 7, 2, 2)]
    [InlineData("max", 7, 2, 7)]
    public async Task Calculate_applies_the_operation_to_a_and_b(string operation, double a, double b, double expected)
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = a, ["b"] = b, ["operation"] = operation });
        result.ShouldBeDone().Number().ShouldBe(expected);
    }

    [Fact]
    public async Task Calculate_writes_whole_results_as_integers()
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = 0.5, ["b"] = 1.5 });
        result.Json().ShouldBe("2");
    }

    [Theory]
    [InlineData(0.1, 0.2, "add", "0.3")]
    [InlineData(1049.95, 3, "multiply", "3149.85")]
    [InlineData(1.1, 1.0, "subtract", "0.1")]
    public async Task Calculate_gives_decimal_results_without_binary_rounding_noise(double a, double b, string operation, string expected)
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = a, ["b"] = b, ["operation"] = operation });
        result.Json().ShouldBe(expected);
    }

    [Fact]
    public async Task Calculate_accepts_numbers_written_as_text()
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = "40", ["b"] = Js("'2'") });
        result.Number().ShouldBe(42);
    }

    [Theory]
    [InlineData("divide")]
    [InlineData("modulo")]
    public async Task Calculate_faults_on_division_by_zero(string operation)
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = 1.5, ["b"] = Js("0"), ["operation"] = operation });
        result.ShouldFaultWith($"cannot divide by zero ({operation} of 1.5 by 0)");
    }

    [Fact]
    public async Task Calculate_faults_when_the_result_overflows()
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = 10, ["b"] = 400, ["operation"] = "power" });
        result.ShouldFaultWith("power of 10 and 400 is not a finite number");
    }

    [Fact]
    public async Task Calculate_faults_when_an_operand_is_not_a_number()
    {
        var result = await ActivityRunner.RunAsync<Calculate>(new JsonObject { ["a"] = Js("'ten'"), ["b"] = 1 });
        result.ShouldFaultWith("input 'a'", "expected number but got string \"ten\"");
    }

    [Theory]
    [InlineData(2.5, 0, "nearest", 3)]
    [InlineData(-2.5, 0, "nearest", -3)]
    [InlineData(2.675, 2, "nearest", 2.68)]
    [InlineData(2.5, 0, "even", 2)]
    [InlineData(3.5, 0, "even", 4)]
    [InlineData(2.01, 1, "up", 2.1)]
    [InlineData(-2.01, 1, "up", -2)]
    [InlineData(2.09, 1, "down", 2)]
    [InlineData(-2.01, 0, "down", -3)]
    public async Task Round_rounds_to_decimals_in_the_chosen_mode(double value, int decimals, string mode, double expected)
    {
        var result = await ActivityRunner.RunAsync<Round>(new JsonObject { ["value"] = value, ["decimals"] = decimals, ["mode"] = mode });
        result.ShouldBeDone().Number().ShouldBe(expected);
    }

    [Fact]
    public async Task Round_faults_on_too_many_decimals()
    {
        var result = await ActivityRunner.RunAsync<Round>(new JsonObject { ["value"] = 1, ["decimals"] = 16 });
        result.ShouldFaultWith("decimals must be between 0 and 15, got 16");
    }

    [Theory]
    [InlineData("42", "", 42)]
    [InlineData(" -3.5 ", "", -3.5)]
    [InlineData("1e3", "", 1000)]
    [InlineData("1,234.50", "", 1234.5)]
    [InlineData("1.234,50", "de-DE", 1234.5)]
    public async Task Parse_reads_numbers_from_text(string text, string culture, double expected)
    {
        var result = await ActivityRunner.RunAsync<ParseNumber>(new JsonObject { ["text"] = text, ["culture"] = culture });
        result.ShouldBeDone().Number().ShouldBe(expected);
    }

    [Fact]
    public async Task Parse_faults_on_text_that_is_not_a_number()
    {
        var result = await ActivityRunner.RunAsync<ParseNumber>(new JsonObject { ["text"] = "12 apples" });
        result.ShouldFaultWith("'12 apples' is not a number");
    }

    [Fact]
    public async Task Parse_faults_on_an_unknown_culture()
    {
        var result = await ActivityRunner.RunAsync<ParseNumber>(new JsonObject { ["text"] = "1", ["culture"] = "xx-NOPE" });
        result.ShouldFaultWith("unknown culture 'xx-NOPE'");
    }

    [Theory]
    [InlineData(1234.5, "N2", "1,234.50")]
    [InlineData(1234.5, "F0", "1235")]
    [InlineData(0.125, "P1", "12.5 %")]
    [InlineData(42, "0000", "0042")]
    [InlineData(2.675, "F2", "2.68")]
    [InlineData(1234567.891, "#,##0.0", "1,234,567.9")]
    [InlineData(1234.5, "", "1234.5")]
    public async Task Format_writes_numbers_with_invariant_culture(double value, string format, string expected)
    {
        var result = await ActivityRunner.RunAsync<FormatNumber>(new JsonObject { ["value"] = value, ["format"] = format });
        result.ShouldBeDone().Text().ShouldBe(expected);
    }

    [Fact]
    public async Task Format_faults_on_an_invalid_format()
    {
        var result = await ActivityRunner.RunAsync<FormatNumber>(new JsonObject { ["value"] = 1, ["format"] = "N999999999999" });
        result.ShouldFaultWith("'N999999999999' is not a valid number format");
    }

    [Fact]
    public async Task Random_whole_numbers_stay_within_min_and_max()
    {
        for (var i = 0; i < 20; i++)
        {
            var result = await ActivityRunner.RunAsync<RandomNumber>(new JsonObject { ["min"] = 1, ["max"] = 3, ["integer"] = true });
            var value = result.ShouldBeDone().Number();
            value.ShouldBeInRange(1, 3);
            (value % 1).ShouldBe(0);
        }
    }

    [Fact]
    public async Task Random_faults_when_min_is_larger_than_max()
    {
        var result = await ActivityRunner.RunAsync<RandomNumber>(new JsonObject { ["min"] = 5, ["max"] = 1 });
        result.ShouldFaultWith("min (5) must not be larger than max (1)");
    }

    [Fact]
    public async Task Number_nodes_compute_a_total_inside_a_flow()
    {
        var result = await Flow.RunAsync("""
        {
          "format": 1, "id": "number-chain",
          "inputs": [ { "name": "price", "type": "string" }, { "name": "quantity", "type": "integer" } ],
          "outputs": [ { "name": "total", "type": "string" } ],
          "nodes": [
            { "id": "price", "type": "Number.Parse", "inputs": { "text": { "js": "input.price" } } },
            { "id": "gross", "type": "Number.Calculate", "inputs": { "a": { "js": "nodes.price.result" }, "b": { "js": "input.quantity" }, "operation": "multiply" } },
            { "id": "round", "type": "Number.Round", "inputs": { "value": { "js": "nodes.gross.result * 1.19" }, "decimals": 2 } },
            { "id": "format", "type": "Number.Format", "inputs": { "value": { "js": "nodes.round.result" }, "format": "N2" } },
            { "id": "out", "type": "SetOutput", "inputs": { "name": "total", "value": { "template": "EUR {{ nodes.format.result }}" } } }
          ],
          "connections": [
            { "from": "price:done", "to": "gross" }, { "from": "gross:done", "to": "round" },
            { "from": "round:done", "to": "format" }, { "from": "format:done", "to": "out" }
          ]
        }
        """, Flow.Input("""{ "price": "1,049.95", "quantity": 3 }"""));

        result.Status.ShouldBe(FlowStatus.Finished, result.Fault?.ToString());
        result.Outputs["total"]!.GetValue<string>().ShouldBe("EUR 3,748.32");
    }
}
