namespace FlowConnectors.Cli;

/// <summary>What flowc's exit code means, the same for every command.</summary>
internal static class ExitCodes
{
    /// <summary>Valid, or the flow finished.</summary>
    public const int Ok = 0;
    /// <summary>The flow is invalid (validate) or faulted (run, resume).</summary>
    public const int Failed = 1;
    /// <summary>Bad usage or bad input: missing or malformed files, invalid flow or inputs given to run.</summary>
    public const int Usage = 2;
    /// <summary>The flow waits on a bookmark.</summary>
    public const int Suspended = 3;
}

/// <summary>Bad usage or bad input: reported as one line, exit code 2.</summary>
internal sealed class CliException(string message) : Exception(message);
