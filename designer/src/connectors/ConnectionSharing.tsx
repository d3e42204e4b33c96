// Who a connection belongs to and whom it is shared with, for those who manage it: share it with a role or a user
// (to use it in flows, or to manage it too), or stop sharing it. Its secret values are never part of this.
import { useState } from 'react';
import type { ConnectorsApi } from './connectorsApi';
import type { ConnectionAccess } from './types';

const ROLES = ['admin', 'editor', 'operator', 'viewer', 'catalog-reviewer'];

export function ConnectionSharing({ api, connectionId }: { api: ConnectorsApi; connectionId: string }) {
  const [access, setAccess] = useState<ConnectionAccess>();
  const [open, setOpen] = useState(false);
  const [who, setWho] = useState('role:editor');
  const [user, setUser] = useState('');
  const [right, setRight] = useState<'use' | 'manage'>('use');
  const [error, setError] = useState<string>();
  const attempt = async (what: () => Promise<ConnectionAccess>) => {
    setError(undefined);
    try { setAccess(await what()); } catch (e) { setError((e as Error).message); }
  };
  const toggle = () => {
    if (!open && !access) void attempt(() => api.access(connectionId));
    setOpen(!open);
  };
  const share = () => void attempt(() => api.share(connectionId, who === 'user' ? { user: user.trim(), right } : { role: who.slice('role:'.length), right }));
  return (
    <details className="connection-sharing" open={open} data-testid="connection-sharing">
      <summary onClick={e => { e.preventDefault(); toggle(); }}>Sharing</summary>
      {access && (
        <div>
          <p className="hint">Owner: <strong data-testid="connection-owner">{access.owner.name ?? access.owner.id}</strong>. Users with the use right run flows with
            it but never see its settings; no one sees its secrets.</p>
          <ul>
            {access.shares.length === 0 && <li className="hint">Not shared.</li>}
            {access.shares.map(s => (
              <li key={`${s.kind}:${s.id}`} data-testid={`share-${s.kind}-${s.name ?? s.id}`}>
                {s.kind} <code>{s.name ?? s.id}</code>: {s.right}{' '}
                <button type="button" onClick={() => void attempt(() => api.unshare(connectionId, s.kind, s.id))}>Stop sharing</button>
              </li>
            ))}
          </ul>
          <div className="row-actions">
            <select aria-label="Share with" value={who} onChange={e => setWho(e.target.value)}>
              {ROLES.map(r => <option key={r} value={`role:${r}`}>role {r}</option>)}
              <option value="user">a user…</option>
            </select>
            {who === 'user' && <input aria-label="User name" placeholder="user name" value={user} onChange={e => setUser(e.target.value)} />}
            <select aria-label="Right" value={right} onChange={e => setRight(e.target.value as 'use' | 'manage')}>
              <option value="use">to use</option>
              <option value="manage">to manage</option>
            </select>
            <button type="button" data-testid="share-connection" onClick={share}>Share</button>
          </div>
        </div>
      )}
      {error && <p className="error">{error}</p>}
    </details>
  );
}
