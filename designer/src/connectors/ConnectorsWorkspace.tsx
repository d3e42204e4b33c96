// The Connectors workspace: the installed connectors; a new one from the standard flows; for the chosen
// one its settings, its cards (card builder) and its connections.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { useSession } from '../session';
import { CardBuilder } from './CardBuilder';
import { Connections } from './Connections';
import { connectorProblems, createConnectorsApi, isInputsInUse } from './connectorsApi';
import { AuthoringMessage } from './Problems';
import './connectors.css';
import { settingsBody, type SettingsForm as Form } from './settingsModel';
import { NewConnectorForm, SettingsForm, type NewConnectorValues } from './SettingsForm';
import type { ConnectorFlowJson, ConnectorProblem, ConnectorSource, ConnectorSummary } from './types';
import { useCan } from '../session';

type Tab = 'settings' | 'cards' | 'connections';

export function ConnectorsWorkspace() {
  const can = useCan();
  const api = useMemo(() => createConnectorsApi(), []);
  const signedIn = useSession().signedIn;
  const [list, setList] = useState<ConnectorSummary[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [source, setSource] = useState<ConnectorSource | null>(null);
  const [creating, setCreating] = useState(false);
  const [tab, setTab] = useState<Tab>('settings');
  const [flowId, setFlowId] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const [info, setInfo] = useState<string>();
  const [problems, setProblems] = useState<ConnectorProblem[]>([]);
  /** A save refused because flows set inputs it removes or retypes: confirm (save anyway) or cancel. */
  const [inUse, setInUse] = useState<{ flow: ConnectorFlowJson; problems: ConnectorProblem[]; detail: string } | null>(null);

  const clear = () => { setError(undefined); setInfo(undefined); setProblems([]); };
  const fail = (e: unknown) => { setError(e instanceof Error ? e.message : String(e)); setProblems(connectorProblems(e)); };

  const reloadList = useCallback(async () => {
    if (!signedIn) return;
    try { setList(await api.connectors()); } catch (e) { fail(e); }
  }, [api, signedIn]);
  useEffect(() => { void reloadList(); }, [reloadList]);

  const open = useCallback(async (key: string) => {
    clear();
    setCreating(false);
    setSelected(key);
    try { setSource(await api.source(key)); } catch (e) { fail(e); setSource(null); }
  }, [api]);

  const afterWrite = async (next: ConnectorSource, message: string) => {
    setSource(next);
    setSelected(next.key);
    setInfo(message);
    setProblems(next.warnings ?? []);
    await reloadList();
  };

  const write = async (what: () => Promise<ConnectorSource>, message: string): Promise<boolean> => {
    clear();
    setBusy(true);
    try { await afterWrite(await what(), message); return true; } catch (e) { fail(e); return false; } finally { setBusy(false); }
  };

  const create = (v: NewConnectorValues) => write(() => {
    const auth: Record<string, string> = { kind: v.authKind };
    for (const [k, value] of Object.entries(v.auth)) if (value.trim()) auth[k] = value.trim();
    return api.create({ key: v.key.trim(), name: v.name.trim() || v.key.trim(), baseUrl: v.baseUrl.trim(), auth: auth as never, authPingPath: v.authPingPath.trim() || '/' });
  }, `created ${v.key}`).then(ok => { if (ok) { setCreating(false); setTab('cards'); } });

  const saveSettings = (form: Form) => write(() => api.saveSettings(selected!, settingsBody(form)), 'settings saved');
  const saveFlow = async (flow: ConnectorFlowJson, confirm = false): Promise<boolean> => {
    clear();
    setInUse(null);
    setBusy(true);
    try {
      await afterWrite(await api.saveFlow(selected!, flow, confirm), `saved ${flow.id}`);
      return true;
    } catch (e) {
      if (isInputsInUse(e)) setInUse({ flow, problems: connectorProblems(e), detail: (e as Error).message });
      else fail(e);
      return false;
    } finally { setBusy(false); }
  };
  const deleteFlow = (id: string) => write(() => api.deleteFlow(selected!, id), `deleted ${id}`).then(ok => { if (ok) setFlowId(null); });

  return (
    <div className="connectors" data-testid="connectors-workspace">
      <aside className="connector-list">
        <SignInPrompt to="to author connectors" />
        {can('connectors.write') && <button type="button" data-testid="new-connector" onClick={() => { clear(); setCreating(true); setSelected(null); setSource(null); }}>New connector</button>}
        <button type="button" onClick={() => void reloadList()}>Reload</button>
        {list.map(c => (
          <div key={c.key} className={`connector-item${c.key === selected ? ' active' : ''}`} data-testid={`connector-${c.key}`} onClick={() => void open(c.key)}>
            <span className="swatch" style={{ background: c.accentColor ?? '#889' }} />
            <span>{c.name}<br /><span className="hint">{c.key} · {c.version}</span></span>
          </div>
        ))}
      </aside>
      <main className="connector-main">
        <AuthoringMessage error={error} info={info} problems={problems} />
        {inUse && (
          <div className="in-use-confirm" role="alertdialog" aria-label="inputs in use" data-testid="inputs-in-use">
            <p><strong>Flows use what this change removes or retypes.</strong> Saving it breaks them until they are changed too:</p>
            <ul>
              {inUse.problems.map((p, i) => (
                <li key={i} data-testid={`in-use-${p.flowId ?? i}`}><strong>{p.code}</strong> {p.message}</li>
              ))}
            </ul>
            <div className="form-actions">
              <button type="button" data-testid="save-anyway" disabled={busy} onClick={() => void saveFlow(inUse.flow, true)}>Save anyway</button>
              <button type="button" data-testid="cancel-save" onClick={() => setInUse(null)}>Cancel (keep editing)</button>
            </div>
          </div>
        )}
        {creating && <NewConnectorForm busy={busy} onCreate={v => void create(v)} onCancel={() => setCreating(false)} />}
        {!creating && source && (
          <>
            <header className="connector-head">
              <span className="swatch big" style={{ background: source.manifest.accentColor ?? '#889' }} />
              <h2 data-testid="connector-title">{source.manifest.name}</h2>
              <span className="hint">{source.key} · {source.manifest.version} · {source.installed ? 'installed here' : 'sample (saving creates an installed copy)'}</span>
              {source.manifest.documentationUrl && <a href={source.manifest.documentationUrl} target="_blank" rel="noreferrer">docs</a>}
            </header>
            <nav className="subtabs">
              {(['settings', 'cards', 'connections'] as Tab[]).map(t => (
                <button key={t} type="button" className={t === tab ? 'active' : undefined} data-testid={`connector-tab-${t}`} onClick={() => setTab(t)}>
                  {t === 'settings' ? 'Settings' : t === 'cards' ? 'Cards' : 'Connections'}
                </button>
              ))}
            </nav>
            {tab === 'settings' && <SettingsForm manifest={source.manifest} busy={busy} onSave={f => void saveSettings(f)} />}
            {tab === 'cards' && <CardBuilder source={source} busy={busy} selected={flowId} onSelect={setFlowId} onSave={saveFlow} onDelete={id => void deleteFlow(id)} />}
            {tab === 'connections' && <Connections api={api} manifest={source.manifest} installedParameters={source.manifest.connectionParameters} />}
          </>
        )}
        {!creating && !source && !error && <p className="hint">Choose a connector, or create one.</p>}
      </main>
    </div>
  );
}
