using System.Security.Cryptography;
using System.Text;
using FlowConnectors.Connectors.Cards;
using FlowConnectors.Connectors.Webhooks;
using FlowConnectors.Engine.Formats;

namespace FlowConnectors.Connectors.Tests;

/// <summary>What a verified delivery gives to remember against replays, and Stripe's signature scheme.</summary>
public sealed class WebhookReplayKeyTests
{
    private const string Secret = "whsec_replay_0123";
    private static readonly DateTimeOffset Now = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1NG8Du2eZvKYlo2CUI79vXWy","type":"invoice.paid"}""");

    private static readonly SignatureSettings GitHub = new()
    {
        Style = "github", Header = "X-Hub-Signature-256", Prefix = "sha256=", SecretParameter = "s", DeliveryIdHeader = "X-GitHub-Delivery",
    };

    private static readonly SignatureSettings Stripe = new() { Style = "stripe", Header = "Stripe-Signature", SecretParameter = "s" };

    private static Func<string, string?> Headers(params (string Name, string Value)[] headers) =>
        name => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    [Fact]
    public void A_github_delivery_is_remembered_by_its_signature_and_its_delivery_id_for_days()
    {
        var signature = WebhookSignatureVerifier.Sign(GitHub, Secret, Body);
        var check = WebhookSignatureVerifier.Verify(GitHub, Secret, Headers(("X-Hub-Signature-256", signature), ("X-GitHub-Delivery", "72d3162e")), Body, Now);
        check.IsValid.ShouldBeTrue(check.Reason);
        check.ReplayKeys.ShouldBe(["signature:" + signature["sha256=".Length..], "delivery:72d3162e"]);
        check.RememberFor.ShouldBe(WebhookSignatureVerifier.UntimestampedReplayWindow);
    }

    [Fact]
    public void A_valid_stripe_signature_is_accepted_and_remembered_by_event_id_for_twice_the_tolerance()
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var header = WebhookSignatureVerifier.Sign(Stripe, Secret, Body, timestamp);
        var expected = Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), (byte[])[.. Encoding.UTF8.GetBytes($"{timestamp}."), .. Body]));
        header.ShouldBe($"t={timestamp},v1={expected}");
        var check = WebhookSignatureVerifier.Verify(Stripe, Secret, Headers(("Stripe-Signature", header)), Body, Now.AddMinutes(4));
        check.IsValid.ShouldBeTrue(check.Reason);
        check.ReplayKeys.ShouldContain("delivery:evt_1NG8Du2eZvKYlo2CUI79vXWy");
        check.RememberFor.ShouldBe(TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void A_stripe_signature_among_several_v1_values_is_found()
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var good = WebhookSignatureVerifier.Sign(Stripe, Secret, Body, timestamp).Split(",v1=")[1];
        var header = $"t={timestamp},v1={new string('0', 64)},v0=abc,v1={good}";
        WebhookSignatureVerifier.Verify(Stripe, Secret, Headers(("Stripe-Signature", header)), Body, Now).IsValid.ShouldBeTrue();
    }

    [Theory]
    [InlineData(-6, "too old")]
    [InlineData(6, "too old")]
    public void A_stripe_timestamp_outside_five_minutes_is_refused(int minutes, string reason)
    {
        var timestamp = Now.ToUnixTimeSeconds();
        var header = WebhookSignatureVerifier.Sign(Stripe, Secret, Body, timestamp);
        var check = WebhookSignatureVerifier.Verify(Stripe, Secret, Headers(("Stripe-Signature", header)), Body, Now.AddMinutes(-minutes));
        check.IsValid.ShouldBeFalse();
        check.Reason!.ShouldContain(reason);
    }

    [Theory]
    [InlineData("v1=abc")]
    [InlineData("t=notanumber,v1=abc")]
    [InlineData("t=99999999999999999,v1=abc")]
    [InlineData("t=1793610000")]
    public void A_malformed_stripe_header_is_refused_with_a_reason(string header)
    {
        var check = WebhookSignatureVerifier.Verify(Stripe, Secret, Headers(("Stripe-Signature", header)), Body, Now);
        check.IsValid.ShouldBeFalse();
        check.Reason.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public void A_tampered_stripe_body_is_refused()
    {
        var header = WebhookSignatureVerifier.Sign(Stripe, Secret, Body, Now.ToUnixTimeSeconds());
        WebhookSignatureVerifier.Verify(Stripe, Secret, Headers(("Stripe-Signature", header)), Encoding.UTF8.GetBytes("{}"), Now).IsValid.ShouldBeFalse();
    }

    [Fact]
    public void A_card_may_declare_the_stripe_style_and_a_delivery_id_header()
    {
        var problems = new List<FlowConnectors.Engine.Formats.FormatProblem>();
        var card = CardReader.Read(System.Text.Json.Nodes.JsonNode.Parse("""
            { "kind": "event", "label": "Paid", "signature": { "style": "stripe", "secretParameter": "signingSecret", "deliveryIdHeader": "X-Event-Id" } }
            """), "paid.flow.json", problems);
        problems.ShouldBeEmpty();
        card!.Signature!.Header.ShouldBe("Stripe-Signature");
        card.Signature.DeliveryIdHeader.ShouldBe("X-Event-Id");
    }
}
