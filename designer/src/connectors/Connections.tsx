// A connector's connections: a form generated from its connection parameters (passwords masked and
// never shown back), OAuth 2.0 sign-in through the server's redirect endpoint, Test connection. A connection's
// status is its last test (the server tests it on creation); its secrets can be replaced in place, write-only.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { Schemas } from '../api/client';
import type { ConnectorsApi } from './connectorsApi';
import { connectionFields, connectionValues } from './settingsModel';
import type { ConnectionInfo, Manifest } from './types';
import { useCan } from '../session';
import { ConnectionSharing } from './ConnectionSharing';

type TestResult = Schemas['ConnectionTestResult'] | 'running';

export function Connections({ api, manifest, installedParameters }: { api: ConnectorsApi; manifest: Manifest; installedParameters: Manifest['connectionParameters'] }) {
  const fields = useMemo(() => connectionFields(installedParameters ?? []), [installedParameters]);
  const initial = () => ({ ...Object.fromEntries(fields.map(f => [f.name, f.initial])) });
  const [name, setName] = useState('');
  const [form, setForm] = useState<Record<string, string>>(initial);
  const [list, setList] = useState<ConnectionInfo[]>([]);
  const [tests, setTests] = useState<Record<string, TestResult>>({});
  const [error, setError] = useState<string>();
  const [info, setInfo] = useState<string>();
  // The connection whose secrets are being replaced, and the new values typed so far (never read back).
  const [replacing, setReplacing] = useState<string>();
  const [newSecrets, setNewSecrets] = useState<Record<string, string>>({});
  const secretFields = useMemo(() => fields.filter(f => f.control === 'password'), [fields]);
  const polling = useRef<number | undefined>(undefined);
  const oauth = manifest.auth?.kind === 'oauth2AuthorizationCode';

  const reload = useCallback(async () => {
    try { setList((await api.connections()).filter(c => c.connector === manifest.key)); } catch (e) { setError((e as Error).message); }
  }, [api, manifest.key]);
  useEffect(() => { void reload(); setForm(initial()); }, [reload, fields]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => () => window.clearInterval(polling.current), []);

  const create = async () => {
    setError(undefined); setInfo(undefined);
    const { values, missing } = connectionValues(fields, form);
    if (missing.length) { setError(`Fill in ${missing.join(', ')}`); return; }
    try {
      const created = await api.createConnection(manifest.key, name.trim() || manifest.name, values);
      setForm(initial()); // secrets leave the page as soon as the server has them
      setName('');
      setInfo(created.status === 'testFailed'
        ? `Connection “${created.name}” created, but its test failed: ${created.statusReason ?? 'no reason given'}`
        : `Connection “${created.name}” created`);
      await reload();
    } catch (e) { setError((e as Error).message); }
  };

  const test = async (id: string) => {
    setTests(t => ({ ...t, [id]: 'running' }));
    try { const r = await api.testConnection(id); setTests(t => ({ ...t, [id]: r })); } catch (e) { setTests(t => ({ ...t, [id]: { ok: false, reason: (e as Error).message } })); }
    await reload(); // the status is the test's result
  };

  const replaceSecrets = async (id: string) => {
    setError(undefined); setInfo(undefined);
    const values = Object.fromEntries(Object.entries(newSecrets).filter(([, v]) => v !== ''));
    if (Object.keys(values).length === 0) { setError('Type the new secret first'); return; }
    try {
      const updated = await api.updateConnection(id, values);
      setNewSecrets({}); // the new secret leaves the page as soon as the server has it
      setReplacing(undefined);
      setTests(t => { const { [id]: _, ...rest } = t; return rest; });
      setInfo(updated.status === 'authorized' ? `Secret replaced: “${updated.name}” works` : `Secret replaced, but the test failed: ${updated.statusReason ?? ''}`);
      await reload();
    } catch (e) { setError((e as Error).message); }
  };

  const signIn = async (id: string) => {
    setError(undefined);
    try {
      const { authorizeUrl } = await api.authorize(id);
      window.open(authorizeUrl, '_blank', 'noopener');
      setInfo('Finish signing in in the new window; the status here updates when the provider sends you back.');
      window.clearInterval(polling.current);
      const started = Date.now();
      polling.current = window.setInterval(async () => {
        try {
          const c = await api.connection(id);
          if (c.signedIn || Date.now() - started > 10 * 60_000) {
            window.clearInterval(polling.current);
            if (c.signedIn) setInfo(`Signed in: “${c.name}” is connected`);
            await reload();
          }
        } catch { window.clearInterval(polling.current); }
      }, 1000);
    } catch (e) { setError((e as Error).message); }
  };

  const can = useCan();
  const act = async (what: () => Promise<unknown>) => { setError(undefined); try { await what(); await reload(); } catch (e) { setError((e as Error).message); } };

  return (
    <div className="connections" data-testid="connections">
      {can('connections.manage') && (
      <form className="settings-form connection-form" data-testid="connection-form" autoComplete="off" onSubmit={e => { e.preventDefault(); void create(); }}>
        <h4>New connection</h4>
        <label className="field">Connection name<input aria-label="Connection name" value={name} placeholder={manifest.name} onChange={e => setName(e.target.value)} /></label>
        {fields.map(f => (
          <label key={f.name} className="field" data-testid={`connection-field-${f.name}`}>
            {f.label}{f.required && <span className="required"> *</span>}
            {f.control === 'select' ? (
              <select aria-label={f.label} value={form[f.name] ?? ''} onChange={e => setForm({ ...form, [f.name]: e.target.value })}>
                {!f.required && <option value="">(none)</option>}
                {f.choices.map(c => <option key={c.value} value={c.value}>{c.label}</option>)}
              </select>
            ) : (
              <input aria-label={f.label} type={f.control === 'password' ? 'password' : 'text'} autoComplete={f.control === 'password' ? 'new-password' : 'off'}
                value={form[f.name] ?? ''} onChange={e => setForm({ ...form, [f.name]: e.target.value })} />
            )}
            {f.description && <span className="hint">{f.description}</span>}
          </label>
        ))}
        {fields.length === 0 && <p className="hint">This connector has no connection parameters.</p>}
        <button type="submit" data-testid="create-connection">Create connection</button>
        {oauth && <p className="hint">After creating it, use “Sign in” to authorize it with the provider.</p>}
      </form>)}
      {info && <p className="ok" data-testid="connection-info">{info}</p>}
      {error && <p className="error" data-testid="connection-error">{error}</p>}
      <h4>Connections</h4>
      {list.length === 0 && <p className="hint">No connections yet.</p>}
      <ul className="connection-list">
        {list.map(c => {
          const t = tests[c.id];
          // Managing needs both: the role's connections.manage and the manage right on this connection (it is shared with you for use only otherwise).
          const manage = can('connections.manage') && c.access !== 'use';
          return (
            <li key={c.id} data-testid={`connection-${c.name}`}>
              <div>
                <strong>{c.name}</strong> <span className={`status ${c.status}`} data-testid="connection-status">{c.status}{oauth && c.signedIn !== undefined ? (c.signedIn ? ', signed in' : ', not signed in') : ''}</span>
                {c.health && c.health !== 'healthy' && <span className={`status ${c.health}`} data-testid="connection-health"> {c.health === 'expiring' ? `expiring${c.tokenExpiresAt ? ` (${new Date(c.tokenExpiresAt).toLocaleString()})` : ''}` : 'needs re-authorization'}</span>}
                {c.statusReason && <span className="hint" data-testid="connection-status-reason"> ({c.statusReason})</span>}
                {c.lastTestedAt && <span className="hint" data-testid="connection-tested-at"> tested {new Date(c.lastTestedAt).toLocaleString()}</span>}
              </div>
              <div className="connection-values">
                {c.access === 'use' && <span className="hint" data-testid="connection-use-only">shared with you to use in flows; its settings are not shown</span>}
                {Object.entries(c.values ?? {}).map(([k, v]) => <span key={k}>{k}: <code>{v}</code> </span>)}
                {(c.secretsSet ?? []).map(k => <span key={k} data-testid={`secret-${k}`}>{k}: <em>set (hidden)</em> </span>)}
              </div>
              <div className="row-actions">
                {can('connections.use') && <button type="button" data-testid="test-connection" onClick={() => void test(c.id)} disabled={c.status === 'deauthorized'}>Test connection</button>}
                {manage && oauth && <button type="button" data-testid="sign-in" onClick={() => void signIn(c.id)}>Sign in</button>}
                {manage && secretFields.length > 0 && c.status !== 'deauthorized' &&
                  <button type="button" data-testid="replace-secret" onClick={() => { setNewSecrets({}); setReplacing(replacing === c.id ? undefined : c.id); }}>Replace secret</button>}
                {manage && (c.status !== 'deauthorized'
                  ? <button type="button" data-testid="deauthorize-connection" onClick={() => void act(() => api.deauthorize(c.id))}>Deauthorize</button>
                  : <button type="button" data-testid="delete-connection" onClick={() => void act(() => api.deleteConnection(c.id))}>Delete</button>)}
              </div>
              {manage && <ConnectionSharing api={api} connectionId={c.id} />}
              {replacing === c.id && (
                <form className="settings-form replace-secret-form" data-testid="replace-secret-form" autoComplete="off"
                  onSubmit={e => { e.preventDefault(); void replaceSecrets(c.id); }}>
                  {secretFields.map(f => (
                    <label key={f.name} className="field">New {f.label}
                      <input aria-label={`New ${f.label}`} type="password" autoComplete="new-password" value={newSecrets[f.name] ?? ''}
                        onChange={e => setNewSecrets({ ...newSecrets, [f.name]: e.target.value })} />
                    </label>
                  ))}
                  <button type="submit" data-testid="save-secret">Save and test</button>
                  <button type="button" onClick={() => { setNewSecrets({}); setReplacing(undefined); }}>Cancel</button>
                </form>
              )}
              {t && (
                <div className="test-result" data-testid="test-result">
                  {t === 'running' ? 'Testing…' : t.ok ? <span className="ok">✓ The connection works</span> : <span className="error">✗ {t.reason}</span>}
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
