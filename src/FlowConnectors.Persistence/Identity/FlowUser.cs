using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Persistence.Identity;

/// <summary>A person who signs in (locally or through OpenID Connect); stored by ASP.NET Core Identity.</summary>
public sealed class FlowUser : IdentityUser
{
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>
    /// True for the owner made at first start until they choose a user name and password (through the sign-in URL
    /// the server prints); such an account cannot sign in with a password.
    /// </summary>
    public bool SetupPending { get; set; }
}
