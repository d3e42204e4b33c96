// The one place the designer asks who you are. Signed in: the user, how (session or API key) and sign-out.
// Signed out: the sign-in link the server printed is the way in (it signs the browser in as the owner at first
// start); besides it, a local user name and password, "Sign in with …" for each OpenID Connect provider, and an
// API key for servers run without users. The owner made at first start chooses a user name and password here.
import { ChevronDown, KeyRound, LogIn, LogOut, UserRound } from 'lucide-react';
import { useEffect, useState, type FormEvent } from 'react';
import { loadSession, setSignInOpen, setUpOwner, signIn, signInWithKey, signOut, useSession, useSignInOpen } from '../session';
import { Button } from '../components/ui';
import { describeProviderFailure, takeProviderFailure } from './providerFailure';

const providerFailure = takeProviderFailure(window.location.href, url => window.history.replaceState(window.history.state, '', url));

export function UserMenu() {
  const session = useSession();
  const open = useSignInOpen();
  const setOpen = setSignInOpen;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => { void loadSession(); }, []);
  // After a failed sign-in (a provider's, or a used sign-in link) the menu opens on the reason, once the session is known.
  const [failureShown, setFailureShown] = useState(false);
  useEffect(() => {
    if (!providerFailure || failureShown || !session.checked || session.signedIn) return;
    setFailureShown(true);
    setOpen(true);
    setError(describeProviderFailure(providerFailure, session.providers));
  }, [session, failureShown, setOpen]);
  // Escape closes the menu as it closes every other popover.
  useEffect(() => {
    if (!open) { setError(undefined); return; }
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setOpen(false); };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [open, setOpen]);

  const attempt = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await action();
      setOpen(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };
  const submit = (action: (userName: string, password: string) => Promise<unknown>) => (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    void attempt(() => action(String(form.get('userName') ?? ''), String(form.get('password') ?? '')));
  };
  const submitKey = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    void attempt(() => signInWithKey(String(form.get('apiKey') ?? '')));
  };

  if (session.signedIn && session.user) {
    const user = session.user;
    const byKey = session.via === 'apiKey';
    return (
      <span className="user-menu" data-testid="user-menu">
        <button className="user-menu-button" onClick={() => setOpen(!open)} data-testid="user-name" title={user.roles.join(', ')} aria-expanded={open}>
          {byKey ? <KeyRound size={13} aria-hidden /> : <UserRound size={13} aria-hidden />}{user.userName}<ChevronDown size={12} aria-hidden />
        </button>
        {open && (
          <div className="popover user-popover" role="dialog" aria-label="account">
            <p className="hint">Signed in {byKey ? 'with an API key' : 'in this browser'} as <strong>{user.userName}</strong>. Roles: {user.roles.join(', ') || 'none'}</p>
            <Button icon={LogOut} data-testid="sign-out" onClick={() => { void signOut(); setOpen(false); }}>{byKey ? 'Forget the API key' : 'Sign out'}</Button>
          </div>
        )}
        {user.setupPending && !byKey && (
          <form className="popover user-popover" aria-label="set up the owner" data-testid="owner-setup" onSubmit={submit(setUpOwner)}>
            <strong>Welcome: choose the owner's user name and password</strong>
            <label>User name <input name="userName" autoComplete="username" required /></label>
            <label>Password <input name="password" type="password" autoComplete="new-password" minLength={10} required /></label>
            {error && <p className="error" role="alert">{error}</p>}
            <Button type="submit" variant="primary" disabled={busy}>Save</Button>
          </form>
        )}
      </span>
    );
  }
  return (
    <span className="user-menu">
      <button className="user-menu-button" onClick={() => setOpen(!open)} data-testid="sign-in-open" aria-expanded={open}>
        <LogIn size={13} aria-hidden />Sign in
      </button>
      {open && (
        <div className="popover user-popover sign-in-popover" role="dialog" aria-label="sign in" data-testid="sign-in-menu">
          <p className="sign-in-link-hint" data-testid="sign-in-link-hint">
            <strong>Open the sign-in link the server printed</strong> at start (<code>Sign in: http://…/signin?token=…</code>):
            it signs this browser in. Or:
          </p>
          {session.keyRejected && <p className="error" role="alert" data-testid="key-rejected">The API key this browser kept is no longer accepted.</p>}
          <form aria-label="sign in with a user name" data-testid="sign-in-form" onSubmit={submit(signIn)}>
            <label>User name <input name="userName" autoComplete="username" required /></label>
            <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
            <Button type="submit" variant="primary" icon={LogIn} disabled={busy} data-testid="sign-in">Sign in</Button>
          </form>
          {session.providers.map(p => (
            <a key={p.name} className="ui-btn ui-btn-default" href={p.url} data-testid={`sign-in-${p.name}`}>Sign in with {p.displayName}</a>
          ))}
          <details className="sign-in-key">
            <summary>Use an API key</summary>
            <form aria-label="sign in with an API key" data-testid="sign-in-key-form" onSubmit={submitKey}>
              <label>API key <input name="apiKey" type="password" aria-label="API key" autoComplete="off" placeholder="fc_… or data/api-key.txt" required /></label>
              <Button type="submit" icon={KeyRound} disabled={busy} data-testid="sign-in-key">Use this key</Button>
            </form>
            <p className="hint">Kept in this browser until you forget it (the user menu). Scripts send it as <code>X-Api-Key</code>.</p>
          </details>
          {error && <p className="error" role="alert" data-testid="sign-in-error">{error}</p>}
        </div>
      )}
    </span>
  );
}
