using System.CommandLine;
using FlowConnectors.Http.Network;

namespace FlowConnectors.Cli;

/// <summary>
/// The network policy of <c>run</c> and <c>resume</c>: flowc runs as the local user, so flows may call
/// loopback (a local stub, a local API) unless <c>--no-loopback</c>; other internal addresses (private,
/// link-local, cloud metadata) only when <c>--allow-host</c> names them.
/// </summary>
internal sealed class NetworkOptions
{
    private static readonly string[] Loopback = ["localhost", "127.0.0.0/8", "::1"];

    public Option<string[]> AllowHost { get; } = new("--allow-host")
    {
        Description = "A host name, address or CIDR range flows may call although it is internal (private, link-local). Repeatable.",
        HelpName = "host|address|cidr",
    };

    public Option<bool> NoLoopback { get; } = new("--no-loopback") { Description = "Refuse loopback addresses too (allowed by default)." };

    public void AddTo(Command command)
    {
        command.Options.Add(AllowHost);
        command.Options.Add(NoLoopback);
    }

    public NetworkPolicy Policy(ParseResult parsed)
    {
        var allowed = (parsed.GetValue(NoLoopback) ? [] : Loopback).Concat(parsed.GetValue(AllowHost) ?? []);
        try
        {
            return NetworkPolicy.Restricted(allowed, "pass --allow-host <host|address|CIDR> to flowc");
        }
        catch (ArgumentException e)
        {
            throw new CliException(e.Message.Replace(NetworkPolicy.AllowedHostsSetting, "--allow-host", StringComparison.Ordinal));
        }
    }
}
