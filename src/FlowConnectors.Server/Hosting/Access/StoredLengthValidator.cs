using FlowConnectors.Persistence.Identity;
using Microsoft.AspNetCore.Identity;

namespace FlowConnectors.Server.Hosting.Access;

/// <summary>
/// A user name or email longer than its column (256, Identity's schema) is refused by name. SQLite stored it anyway, and
/// PostgreSQL refused the row: a 500 for a client's mistake, at user creation, account setup or a first OIDC sign-in.
/// </summary>
internal sealed class StoredLengthValidator : IUserValidator<FlowUser>
{
    /// <summary>The length of Identity's user name and email columns.</summary>
    public const int MaxLength = 256;

    public Task<IdentityResult> ValidateAsync(UserManager<FlowUser> manager, FlowUser user)
    {
        var errors = new List<IdentityError>();
        if (user.UserName is { Length: > MaxLength } name)
            errors.Add(new IdentityError { Code = "UserNameTooLong", Description = $"the user name is {name.Length:N0} characters long; it may be at most {MaxLength}" });
        if (user.Email is { Length: > MaxLength } email)
            errors.Add(new IdentityError { Code = "EmailTooLong", Description = $"the email is {email.Length:N0} characters long; it may be at most {MaxLength}" });
        return Task.FromResult(errors.Count == 0 ? IdentityResult.Success : IdentityResult.Failed([.. errors]));
    }
}
