import { describe, expect, it } from 'vitest';
import { describeProviderFailure, takeProviderFailure } from './providerFailure';

const providers = [{ name: 'corp', displayName: 'Corp SSO' }];

describe('a failed provider sign-in', () => {
  it('is read from the address and taken out of it, keeping the rest', () => {
    let replaced = '';
    const failure = takeProviderFailure('http://127.0.0.1:5000/?flow=a&signIn=failed&provider=corp&reason=refused&error=invalid_client#x', url => { replaced = url; });
    expect(failure).toEqual({ provider: 'corp', reason: 'refused', error: 'invalid_client' });
    expect(replaced).toBe('/?flow=a#x');
  });

  it('leaves an address without one alone', () => {
    let replaced: string | undefined;
    expect(takeProviderFailure('http://127.0.0.1:5000/?flow=a', url => { replaced = url; })).toBeUndefined();
    expect(replaced).toBeUndefined();
  });

  it('names the configured provider and the OAuth error code', () => {
    expect(describeProviderFailure({ provider: 'corp', reason: 'refused', error: 'invalid_client' }, providers))
      .toBe("Corp SSO refused the sign-in (invalid_client). Its description is in the server's log; an administrator may need to check the provider's settings.");
    expect(describeProviderFailure({ provider: 'corp', reason: 'denied' }, providers)).toContain('Sign-in with Corp SSO was not allowed there');
  });

  it('explains a sign-in link used twice', () => {
    expect(describeProviderFailure({ provider: '', reason: 'link' }, [])).toMatch(/^This sign-in link was used already or has expired/);
  });

  it('says nothing a crafted link wrote: unknown providers, reasons and error codes are not shown', () => {
    const text = describeProviderFailure({ provider: 'Your account is locked, call 555', reason: 'refused', error: 'Call us at 555 now' }, providers);
    expect(text).toBe("The identity provider refused the sign-in. Its description is in the server's log; an administrator may need to check the provider's settings.");
    expect(describeProviderFailure({ provider: 'corp', reason: 'Send your password to x' }, providers))
      .toBe("The sign-in with Corp SSO did not complete. The server's log says why.");
  });
});
