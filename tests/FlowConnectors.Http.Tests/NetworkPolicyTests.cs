using System.Net;
using FlowConnectors.Http.Network;
using static FlowConnectors.Http.Tests.TestHttp;

namespace FlowConnectors.Http.Tests;

public sealed class NetworkPolicyTests
{
    private static readonly NetworkPolicy Default = NetworkPolicy.Restricted([]);

    [Theory]
    [InlineData("127.0.0.1", "loopback")]
    [InlineData("127.5.6.7", "loopback")]
    [InlineData("0.0.0.0", "unspecified")]
    [InlineData("10.1.2.3", "private")]
    [InlineData("172.16.0.1", "private")]
    [InlineData("172.31.255.255", "private")]
    [InlineData("192.168.1.1", "private")]
    [InlineData("169.254.169.254", "metadata")]
    [InlineData("169.254.1.1", "link-local")]
    [InlineData("100.64.0.1", "carrier-grade NAT")]
    [InlineData("224.0.0.1", "multicast")]
    [InlineData("255.255.255.255", "reserved")]
    [InlineData("::1", "loopback")]
    [InlineData("::", "unspecified")]
    [InlineData("fe80::1", "link-local")]
    [InlineData("fd00::1", "unique local")]
    [InlineData("::ffff:127.0.0.1", "loopback")]
    [InlineData("::ffff:169.254.169.254", "metadata")]
    [InlineData("64:ff9b::a9fe:a9fe", "metadata")]
    [InlineData("2002:7f00:1::", "loopback")]
    public void Internal_addresses_are_refused_by_default(string address, string kind)
    {
        var refusal = Default.Refusal(address, IPAddress.Parse(address));
        refusal.ShouldNotBeNull();
        refusal.ShouldContain(kind);
        refusal.ShouldContain(NetworkPolicy.AllowedHostsSetting);
    }

    [Theory]
    [InlineData("93.184.216.34")]
    [InlineData("8.8.8.8")]
    [InlineData("172.32.0.1")]
    [InlineData("2606:4700::1111")]
    public void Public_addresses_are_allowed(string address) =>
        Default.Refusal(address, IPAddress.Parse(address)).ShouldBeNull();

    [Fact]
    public void Allowed_addresses_ranges_and_names_open_exactly_what_they_name()
    {
        var policy = NetworkPolicy.Restricted(["127.0.0.1", "10.0.0.0/8", "fd00::/8", "api.internal", "*.corp.example"]);
        policy.Refusal("127.0.0.1", IPAddress.Parse("127.0.0.1")).ShouldBeNull();
        policy.Refusal("127.0.0.2", IPAddress.Parse("127.0.0.2")).ShouldNotBeNull();
        policy.Refusal("10.9.8.7", IPAddress.Parse("10.9.8.7")).ShouldBeNull();
        policy.Refusal("::ffff:10.9.8.7", IPAddress.Parse("::ffff:10.9.8.7")).ShouldBeNull();
        policy.Refusal("192.168.0.1", IPAddress.Parse("192.168.0.1")).ShouldNotBeNull();
        policy.Refusal("fd12::1", IPAddress.Parse("fd12::1")).ShouldBeNull();
        policy.AllowsName("api.internal").ShouldBeTrue();
        policy.AllowsName("API.Internal.").ShouldBeTrue();
        policy.AllowsName("x.api.internal").ShouldBeFalse();
        policy.AllowsName("a.b.corp.example").ShouldBeTrue();
        policy.AllowsName("corp.example").ShouldBeTrue();
        policy.AllowsName("evilcorp.example").ShouldBeFalse();
    }

    [Theory]
    [InlineData("not a host")]
    [InlineData("10.0.0.0/33")]
    [InlineData("http://127.0.0.1")]
    public void An_allowed_entry_that_is_not_a_host_address_or_range_is_refused_naming_the_setting(string entry) =>
        Should.Throw<ArgumentException>(() => NetworkPolicy.Restricted([entry])).Message.ShouldContain(NetworkPolicy.AllowedHostsSetting);

    [Fact]
    public async Task A_request_to_loopback_is_refused_before_it_is_sent_and_the_error_names_host_and_setting()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        var port = stub.BaseUrl.Port;
        foreach (var url in new[] { stub.Url("x"), $"http://2130706433:{port}/x", $"http://0x7f000001:{port}/x", $"http://0177.0.0.1:{port}/x", $"http://[::ffff:127.0.0.1]:{port}/x" })
        {
            var result = await SendAsync(Json($$"""{ "url": "{{url}}" }"""), Services(network: Default));
            var message = result.FaultMessage();
            message.ShouldContain("127.0.0.1", customMessage: url);
            message.ShouldContain("loopback");
            message.ShouldContain(NetworkPolicy.AllowedHostsSetting);
        }
        stub.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task A_refused_request_is_not_retried()
    {
        await using var stub = await StubServer.JsonAsync(200, "{}");
        var result = await SendAsync(Json($$"""{ "url": "http://localhost:{{stub.BaseUrl.Port}}/x" }"""), Services(network: Default));
        result.FaultMessage().ShouldContain("resolved from 'localhost'");
        stub.Hits.ShouldBe(0);
    }

    [Fact]
    public async Task An_allowed_address_is_reached()
    {
        await using var stub = await StubServer.JsonAsync(200, """{ "ok": true }""");
        var result = await SendAsync(Json($$"""{ "url": "{{stub.Url("x")}}" }"""), Services(network: NetworkPolicy.Restricted(["127.0.0.1"])));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
        stub.Hits.ShouldBe(1);
    }

    [Fact]
    public async Task A_host_allowed_by_name_is_reached_whatever_it_resolves_to()
    {
        await using var stub = await StubServer.JsonAsync(200, """{ "ok": true }""");
        var result = await SendAsync(Json($$"""{ "url": "http://localhost:{{stub.BaseUrl.Port}}/x" }"""), Services(network: NetworkPolicy.Restricted(["localhost"])));
        result.Outcome.ShouldBe("2xx", result.Run.Fault?.ToString());
    }

    [Fact]
    public async Task A_redirect_from_an_allowed_host_into_a_refused_address_is_not_followed()
    {
        await using var inside = await StubServer.JsonAsync(200, """{ "secret": "internal" }""");
        await using var outside = await StubServer.StartAsync((context, _) =>
        {
            context.Response.StatusCode = 302;
            context.Response.Headers.Location = inside.Url("admin");
            return Task.CompletedTask;
        });
        // Only the name "localhost" is allowed: the redirect's literal 127.0.0.1 is checked on its own.
        var result = await SendAsync(Json($$"""{ "url": "http://localhost:{{outside.BaseUrl.Port}}/go" }"""), Services(network: NetworkPolicy.Restricted(["localhost"])));
        result.FaultMessage().ShouldContain("refuses 127.0.0.1");
        outside.Hits.ShouldBe(1);
        inside.Hits.ShouldBe(0);
    }
}
