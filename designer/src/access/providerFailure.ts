// A sign-in with a provider that failed comes back as /?signIn=failed&provider=…&reason=…[&error=…] (the server's
// OidcSignInFailure), and a sign-in link used twice as /?signIn=failed&reason=link. Read once when the designer loads and taken out of the address, so a reload does not show it again.
export interface ProviderFailure { provider: string; reason: string; error?: string }

/** The failure in the address, if any; `replace` gets the address without it. */
export function takeProviderFailure(href: string, replace: (url: string) => void): ProviderFailure | undefined {
  const url = new URL(href);
  if (url.searchParams.get('signIn') !== 'failed') return undefined;
  const failure = { provider: url.searchParams.get('provider') ?? '', reason: url.searchParams.get('reason') ?? '', error: url.searchParams.get('error') ?? undefined };
  for (const name of ['signIn', 'provider', 'reason', 'error']) url.searchParams.delete(name);
  replace(url.pathname + url.search + url.hash);
  return failure;
}

// Only fixed sentences, a configured provider's display name and an OAuth error code reach the page: a crafted link
// cannot make the designer say something of its own.
export function describeProviderFailure(failure: ProviderFailure, providers: { name: string; displayName: string }[]): string {
  const text = sentence(failure, providers);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function sentence(failure: ProviderFailure, providers: { name: string; displayName: string }[]): string {
  const shown = providers.find(p => p.name === failure.provider)?.displayName ?? 'the identity provider';
  const code = failure.error && /^[a-z_]{1,40}$/.test(failure.error) ? failure.error : undefined;
  switch (failure.reason) {
    case 'denied': return `Sign-in with ${shown} was not allowed there (access_denied). Try again, or sign in another way.`;
    case 'refused': return `${shown} refused the sign-in${code ? ` (${code})` : ''}. Its description is in the server's log; an administrator may need to check the provider's settings.`;
    case 'unmatched': return `The answer from ${shown} did not match a sign-in started in this browser (it may have expired). Try again.`;
    case 'unreachable': return `${shown} could not be reached to finish the sign-in. Try again later.`;
    case 'disabled': return `You signed in with ${shown}, but this account is disabled here.`;
    case 'link': return 'This sign-in link was used already or has expired: sign in with your user name and password, or restart the server for a new link.';
    default: return `The sign-in with ${shown} did not complete. The server's log says why.`;
  }
}
