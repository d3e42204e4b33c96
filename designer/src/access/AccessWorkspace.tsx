// The admin page: users and their roles, your API keys (shown once when made, revocable, with last use), and the
// latest audit entries. Each part shows only when the signed-in user may use it; the server enforces it anyway.
import { useCallback, useEffect, useMemo, useState, type FormEvent } from 'react';
import { apiKey, may, useSession } from '../session';
import { SignInPrompt } from './SignInPrompt';
import { createAccessApi, ROLES, type AccessKey, type AccessUser, type AuditEntry } from './accessApi';

export default function AccessWorkspace() {
  const session = useSession();
  const api = useMemo(() => createAccessApi(apiKey), []);
  const [users, setUsers] = useState<AccessUser[]>([]);
  const [keys, setKeys] = useState<AccessKey[]>([]);
  const [audit, setAudit] = useState<AuditEntry[]>([]);
  const [shownKey, setShownKey] = useState<string>();
  const [error, setError] = useState<string>();
  const manageUsers = may(session, 'users.manage');
  const readAudit = may(session, 'audit.read');

  const attempt = useCallback(async (action: () => Promise<unknown>) => {
    setError(undefined);
    try { await action(); } catch (e) { setError(e instanceof Error ? e.message : String(e)); }
  }, []);
  const reload = useCallback(() => attempt(async () => {
    setKeys(await api.keys());
    if (manageUsers) setUsers(await api.users());
    if (readAudit) setAudit(await api.audit());
  }), [api, attempt, manageUsers, readAudit]);
  useEffect(() => { if (session.signedIn) void reload(); }, [session.signedIn, reload]);

  if (!session.signedIn) return <div className="access-empty"><SignInPrompt to="to manage users, roles and API keys" /></div>;

  const createUser = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const target = e.currentTarget;
    void attempt(async () => {
      await api.createUser(String(form.get('userName')), String(form.get('password')), ROLES.filter(r => form.get(`role-${r}`)));
      target.reset();
      await reload();
    });
  };
  const createKey = (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const days = Number(form.get('days') || 0);
    const scopes = (session.permissions ?? []).filter(p => form.get(`scope-${p}`));
    void attempt(async () => {
      const made = await api.createKey(String(form.get('name')), scopes, days > 0 ? days : undefined);
      setShownKey(made.key);
      await reload();
    });
  };
  const toggleRole = (user: AccessUser, role: string) => attempt(async () => {
    await api.setRoles(user.id, user.roles.includes(role) ? user.roles.filter(r => r !== role) : [...user.roles, role]);
    await reload();
  });

  return (
    <div className="access" data-testid="access">
      {error && <div className="access-error error" role="alert" data-testid="access-error">{error}</div>}
      {manageUsers && (
        <section>
          <h3>Users and roles</h3>
          <table className="access-users" data-testid="access-users">
            <thead><tr><th>user</th>{ROLES.map(r => <th key={r}>{r}</th>)}<th>state</th><th /></tr></thead>
            <tbody>
              {users.map(u => (
                <tr key={u.id} data-testid={`user-${u.userName}`}>
                  <td>{u.userName}{u.logins.length > 0 && <span className="hint"> ({u.logins.join(', ')})</span>}</td>
                  {ROLES.map(r => (
                    <td key={r}><input type="checkbox" aria-label={`${u.userName} ${r}`} checked={u.roles.includes(r)}
                      disabled={r === 'owner' && !session.user?.roles.includes('owner')} onChange={() => void toggleRole(u, r)} /></td>
                  ))}
                  <td>{u.disabled ? 'disabled' : u.lockedOutUntil ? 'locked' : u.setupPending ? 'setup pending' : 'active'}</td>
                  <td>{u.id !== session.user?.id && (u.disabled
                    ? <button onClick={() => void attempt(async () => { await api.enable(u.id); await reload(); })}>Enable</button>
                    : <button onClick={() => void attempt(async () => { await api.disable(u.id); await reload(); })}>Disable</button>)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <form className="access-form" onSubmit={createUser} data-testid="new-user">
            <label>User name <input name="userName" required /></label>
            <label>Password <input name="password" type="password" minLength={10} required /></label>
            {ROLES.filter(r => r !== 'owner' || session.user?.roles.includes('owner')).map(r => (
              <label key={r} className="inline"><input type="checkbox" name={`role-${r}`} /> {r}</label>
            ))}
            <button className="primary">Add user</button>
          </form>
        </section>
      )}
      <section>
        <h3>Your API keys</h3>
        {shownKey && (
          <p className="access-shown" data-testid="new-key">Copy it now, it is not shown again: <code>{shownKey}</code>
            <button onClick={() => setShownKey(undefined)}>Done</button></p>
        )}
        <table className="access-keys" data-testid="access-keys">
          <thead><tr><th>name</th><th>scopes</th><th>expires</th><th>last used</th><th>status</th><th /></tr></thead>
          <tbody>
            {keys.map(k => (
              <tr key={k.id}>
                <td>{k.name}</td><td>{k.scopes.length ? k.scopes.join(' ') : 'all of yours'}</td>
                <td>{k.expiresAt ?? 'never'}</td><td>{k.lastUsedAt ?? '—'}</td><td>{k.status}</td>
                <td>{k.status === 'active' && <button onClick={() => void attempt(async () => { await api.revokeKey(k.id); await reload(); })}>Revoke</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <form className="access-form" onSubmit={createKey} data-testid="new-key-form">
          <label>Name <input name="name" required maxLength={100} /></label>
          <label>Expires in days <input name="days" type="number" min={1} max={3650} /></label>
          <details><summary>Scopes (none ticked: all of yours)</summary>
            {(session.permissions ?? []).map(p => <label key={p} className="inline"><input type="checkbox" name={`scope-${p}`} /> {p}</label>)}
          </details>
          <button className="primary">Create key</button>
        </form>
      </section>
      {readAudit && (
        <section>
          <h3>Audit log (latest 50)</h3>
          <table className="access-audit" data-testid="access-audit">
            <thead><tr><th>at</th><th>who</th><th>action</th><th>target</th><th>status</th><th>request</th></tr></thead>
            <tbody>
              {audit.map(a => (
                <tr key={a.id} className={a.status >= 400 ? 'error' : undefined}>
                  <td>{a.at}</td><td>{a.userName ?? 'anonymous'}{a.keyId ? ` (key ${a.keyId})` : ''}</td><td>{a.action}</td>
                  <td>{a.target}</td><td>{a.status}{a.detail ? ` ${a.detail}` : ''}</td><td>{a.requestId}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
    </div>
  );
}
