// The signed-in user and sign-out, or the sign-in form (local account and "Sign in with …" for each OpenID Connect
// provider). The owner made at first start, signed in through the printed URL, chooses a user name and password here.
import { useEffect, useState, type FormEvent } from 'react';
import { loadSession, setUpOwner, signIn, signOut, useSession } from '../session';

export function UserMenu() {
  const session = useSession();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  useEffect(() => { void loadSession(); }, []);

  const submit = (action: (userName: string, password: string) => Promise<unknown>) => async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      await action(String(form.get('userName') ?? ''), String(form.get('password') ?? ''));
      setOpen(false);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  if (session.signedIn && session.user) {
    const user = session.user;
    return (
      <span className="user-menu" data-testid="user-menu">
        <button onClick={() => setOpen(!open)} data-testid="user-name" title={user.roles.join(', ')}>{user.userName} ▾</button>
        {open && (
          <div className="popover user-popover" role="dialog" aria-label="account">
            <p className="hint">Roles: {user.roles.join(', ') || 'none'}</p>
            <button data-testid="sign-out" onClick={() => { void signOut(); setOpen(false); }}>Sign out</button>
          </div>
        )}
        {user.setupPending && (
          <form className="popover user-popover" aria-label="set up the owner" data-testid="owner-setup" onSubmit={submit(setUpOwner)}>
            <strong>Welcome: choose the owner's user name and password</strong>
            <label>User name <input name="userName" autoComplete="username" required /></label>
            <label>Password <input name="password" type="password" autoComplete="new-password" minLength={10} required /></label>
            {error && <p className="error" role="alert">{error}</p>}
            <button className="primary" disabled={busy}>Save</button>
          </form>
        )}
      </span>
    );
  }
  return (
    <span className="user-menu">
      <button onClick={() => setOpen(!open)} data-testid="sign-in-open">Sign in</button>
      {open && (
        <form className="popover user-popover" aria-label="sign in" data-testid="sign-in-form" onSubmit={submit(signIn)}>
          <label>User name <input name="userName" autoComplete="username" required /></label>
          <label>Password <input name="password" type="password" autoComplete="current-password" required /></label>
          {error && <p className="error" role="alert" data-testid="sign-in-error">{error}</p>}
          <button className="primary" disabled={busy} data-testid="sign-in">Sign in</button>
          {session.providers.map(p => (
            <a key={p.name} className="button" href={p.url} data-testid={`sign-in-${p.name}`}>Sign in with {p.displayName}</a>
          ))}
          <p className="hint">Scripts use API keys; the server prints a one-time sign-in link at start.</p>
        </form>
      )}
    </span>
  );
}
