namespace FlowConnectors.Connectors.Runtime;

/// <summary>
/// The vendor's last answer to the connection calls of one helper run (a dropdown, dynamic inputs), so a helper
/// that turns a 401 into an empty list still shows the 401. Scoped with an AsyncLocal: the calls of the run
/// happen in its asynchronous flow.
/// </summary>
internal sealed class VendorAnswers
{
    private static readonly AsyncLocal<VendorAnswers?> Scope = new();

    public static VendorAnswers? Current => Scope.Value;

    public int? LastStatus { get; private set; }
    public string? LastReason { get; private set; }

    public static VendorAnswers Begin() => Scope.Value = new VendorAnswers();

    public static void End() => Scope.Value = null;

    public void Record(HttpResponseMessage response)
    {
        LastStatus = (int)response.StatusCode;
        LastReason = response.ReasonPhrase;
    }

    /// <summary>"HTTP 401 Unauthorized" when the last answer was an error; null otherwise.</summary>
    public string? Failure => LastStatus is >= 400 and var status ? $"HTTP {status}{(string.IsNullOrEmpty(LastReason) ? "" : " " + LastReason)}" : null;
}
