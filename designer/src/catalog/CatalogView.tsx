// The Catalog workspace: submit packages (or export and submit an installed connector), browse the
// server's catalog with each version's review status, approve or reject, compare versions, install or
// upgrade (the diff from the installed version is shown before anything is applied), and compare two
// versions of a flow.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { apiKey, can, useSession } from '../session';
import { createCatalogApi, type CatalogConnector, type Diff, type FlowVersion, type InstalledConnector } from './catalogApi';
import { compareVersions, installAction } from './catalogModel';
import { DiffView } from './DiffView';
import './catalog.css';

interface Shown { title: string; diff: Diff; apply?: { label: string; run: () => Promise<void> } }

export function CatalogView() {
  const session = useSession();
  const signedIn = session.signedIn;
  // A signed-in user sees Approve only with catalog.review (the server refuses it anyway, and refuses self-approval).
  const canReview = can('catalog.review', session);
  const canSubmit = can('catalog.submit', session);
  const canInstall = can('connectors.write', session);
  const api = useMemo(() => createCatalogApi(apiKey), []);
  const [connectors, setConnectors] = useState<CatalogConnector[]>([]);
  const [installed, setInstalled] = useState<InstalledConnector[]>([]);
  const [message, setMessage] = useState<{ text: string; error: boolean } | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const [rejecting, setRejecting] = useState<{ key: string; version: string; reason: string } | null>(null);
  const [exportKey, setExportKey] = useState('');
  const [compare, setCompare] = useState({ key: '', from: '', to: '' });
  const [flow, setFlow] = useState<{ id: string; versions: FlowVersion[]; from: number; to: number }>({ id: '', versions: [], from: 0, to: 0 });

  const attempt = useCallback(async (work: () => Promise<string | void>) => {
    try {
      const text = await work();
      if (text) setMessage({ text, error: false });
    } catch (e) {
      setMessage({ text: e instanceof Error ? e.message : String(e), error: true });
    }
  }, []);

  const refresh = useCallback(() => attempt(async () => {
    const [list, connectorList] = await Promise.all([api.list(), api.installedConnectors()]);
    setConnectors(list);
    setInstalled(connectorList);
    setExportKey(k => k || connectorList[0]?.key || '');
  }), [api, attempt]);

  useEffect(() => { if (signedIn) void refresh(); }, [signedIn, refresh]);


  const upload = (file: File | undefined) => file && attempt(async () => {
    const result = await api.submitPackage(file);
    await refresh();
    return result.created ? `submitted ${result.key}@${result.version}: ${result.status}` : `${result.key}@${result.version} is already in the catalog`;
  });

  const exportPackage = () => attempt(async () => {
    const blob = await api.exportPackage(exportKey);
    const link = document.createElement('a');
    link.href = URL.createObjectURL(blob);
    const version = installed.find(c => c.key === exportKey)?.version ?? '';
    link.download = `${exportKey}-${version}.fcpkg`;
    link.click();
    URL.revokeObjectURL(link.href);
    return `exported ${exportKey}@${version}`;
  });

  const submitInstalled = () => attempt(async () => {
    const result = await api.submitInstalled(exportKey);
    await refresh();
    return result.created ? `submitted ${result.key}@${result.version}: ${result.status}` : `${result.key}@${result.version} is already in the catalog`;
  });

  const review = (key: string, version: string, status: 'approved' | 'rejected', reason?: string) => attempt(async () => {
    await api.review(key, version, status, reason);
    setRejecting(null);
    await refresh();
    return `${key}@${version} ${status}`;
  });

  const preview = (connector: CatalogConnector, version: string) => attempt(async () => {
    const action = installAction(connector.installedVersion, version);
    const diff = await api.diff(connector.key, version, connector.installedVersion ? 'installed' : undefined);
    setShown({
      title: connector.installedVersion ? `${connector.key}: installed ${connector.installedVersion} → ${version}` : `${connector.key}@${version}: everything it adds`,
      diff,
      apply: action === 'installed' ? undefined : {
        label: `${action[0].toUpperCase()}${action.slice(1)} to ${version}`,
        run: () => attempt(async () => {
          const result = await api.install(connector.key, version);
          setShown(null);
          await refresh();
          return `installed ${result.key}@${result.version}${result.previousVersion ? ` (was ${result.previousVersion}; automations pinned to it keep running)` : ''}; tests: ${result.tests.passed} passed, ${result.tests.failed} failed`;
        }),
      },
    });
  });

  const compareVersionsOf = () => attempt(async () => {
    const diff = await api.diff(compare.key, compare.to, compare.from);
    setShown({ title: `${compare.key}: ${compare.from} → ${compare.to}`, diff });
  });

  const loadFlowVersions = () => attempt(async () => {
    const versions = await api.flowVersions(flow.id);
    const numbers = versions.map(v => v.version).sort((a, b) => a - b);
    setFlow(f => ({ ...f, versions, from: numbers.length > 1 ? numbers[numbers.length - 2] : numbers[0] ?? 0, to: numbers[numbers.length - 1] ?? 0 }));
  });

  const compareFlow = () => attempt(async () => {
    const diff = await api.flowDiff(flow.id, flow.from, flow.to);
    setShown({ title: `flow ${flow.id}: version ${flow.from} → ${flow.to}`, diff });
  });

  const compared = connectors.find(c => c.key === compare.key);
  return (
    <div className="catalog">
      <div className="toolbar">
        <strong className="brand">Catalog</strong>
        <button onClick={() => void refresh()} data-testid="catalog-refresh">Refresh</button>
        <span className="spacer" />
      </div>
      <SignInPrompt to="to browse and review the catalog" />
      {message && <div className={`catalog-message${message.error ? ' error' : ''}`} data-testid="catalog-message">{message.text}</div>}
      <div className="catalog-body">
        <section className="catalog-side">
          <h3>Submit</h3>
          <label className="field">A package (.fcpkg from flowc pack)
            <input type="file" accept=".fcpkg,application/zip" data-testid="catalog-upload" onChange={e => { void upload(e.target.files?.[0]); e.target.value = ''; }} />
          </label>
          <label className="field">An installed connector
            <select value={exportKey} onChange={e => setExportKey(e.target.value)} data-testid="catalog-export-key">
              {installed.map(c => <option key={c.key} value={c.key}>{c.name} {c.version}</option>)}
            </select>
          </label>
          <button disabled={!exportKey} onClick={() => void exportPackage()} data-testid="catalog-export">Export</button>{' '}
          {canSubmit && <button disabled={!exportKey} onClick={() => void submitInstalled()} data-testid="catalog-submit-installed">Submit to catalog</button>}

          <h3>Compare versions</h3>
          <select value={compare.key} onChange={e => setCompare({ key: e.target.value, from: '', to: '' })} data-testid="compare-key">
            <option value="">connector…</option>
            {connectors.map(c => <option key={c.key} value={c.key}>{c.key}</option>)}
          </select>
          {compared && (['from', 'to'] as const).map(side => (
            <select key={side} value={compare[side]} onChange={e => setCompare({ ...compare, [side]: e.target.value })} data-testid={`compare-${side}`}>
              <option value="">{side}…</option>
              {[...compared.versions].sort((a, b) => compareVersions(a.version, b.version)).map(v => <option key={v.version} value={v.version}>{v.version}</option>)}
            </select>
          ))}
          <button disabled={!compare.from || !compare.to} onClick={() => void compareVersionsOf()} data-testid="compare-run">Diff</button>

          <h3>Flow history</h3>
          <input placeholder="flow id" value={flow.id} onChange={e => setFlow({ id: e.target.value, versions: [], from: 0, to: 0 })} data-testid="flow-history-id" />
          <button disabled={!flow.id} onClick={() => void loadFlowVersions()} data-testid="flow-history-load">Versions</button>
          {flow.versions.length > 0 && (
            <div>
              {(['from', 'to'] as const).map(side => (
                <select key={side} value={flow[side]} onChange={e => setFlow({ ...flow, [side]: Number(e.target.value) })} data-testid={`flow-history-${side}`}>
                  {flow.versions.map(v => <option key={v.version} value={v.version}>v{v.version}{v.published ? ' (published)' : ''}</option>)}
                </select>
              ))}
              <button onClick={() => void compareFlow()} data-testid="flow-history-diff">Diff</button>
            </div>
          )}
        </section>
        <section className="catalog-list" data-testid="catalog-list">
          {connectors.length === 0 && <p className="hint">The catalog is empty: submit a package or an installed connector.</p>}
          {connectors.map(c => (
            <div key={c.key} className="catalog-connector" data-testid={`catalog-${c.key}`}>
              <h3>{c.name} <span className="hint">{c.key}{c.installedVersion ? ` · installed ${c.installedVersion}` : ' · not installed'}</span></h3>
              <table>
                <tbody>
                  {[...c.versions].sort((a, b) => compareVersions(b.version, a.version)).map(v => {
                    const action = installAction(c.installedVersion, v.version);
                    return (
                      <tr key={v.version} data-testid={`version-${c.key}-${v.version}`}>
                        <td className="version">{v.version}</td>
                        <td><span className={`status status-${v.status}`} data-testid="status">{v.status}</span>{v.reason && <span className="hint"> — {v.reason}</span>}</td>
                        <td className="digest" title={v.digest}>{v.digest.slice(0, 19)}…</td>
                        <td className="actions">
                          {v.status !== 'approved' && canReview && <button onClick={() => void review(c.key, v.version, 'approved')} data-testid="approve">Approve</button>}
                          {v.status === 'submitted' && canReview && <button onClick={() => setRejecting({ key: c.key, version: v.version, reason: '' })} data-testid="reject">Reject…</button>}
                          {v.status === 'approved' && action !== 'installed' && canInstall &&
                            <button onClick={() => void preview(c, v.version)} data-testid="install">{action === 'install' ? 'Install…' : action === 'upgrade' ? 'Upgrade…' : 'Downgrade…'}</button>}
                          {action === 'installed' && <span className="hint">installed</span>}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              {rejecting?.key === c.key && (
                <div className="reject">
                  <input autoFocus placeholder={`why ${rejecting.version} is rejected`} value={rejecting.reason} data-testid="reject-reason"
                    onChange={e => setRejecting({ ...rejecting, reason: e.target.value })} />
                  <button disabled={!rejecting.reason.trim()} onClick={() => void review(rejecting.key, rejecting.version, 'rejected', rejecting.reason)} data-testid="reject-confirm">Reject</button>
                  <button onClick={() => setRejecting(null)}>Cancel</button>
                </div>
              )}
            </div>
          ))}
        </section>
        {shown && (
          <section className="catalog-preview" data-testid="catalog-preview">
            <h3>{shown.title}</h3>
            <DiffView diff={shown.diff} />
            {shown.apply && <button className="primary" onClick={() => void shown.apply!.run()} data-testid="apply">{shown.apply.label}</button>}{' '}
            <button onClick={() => setShown(null)} data-testid="close-preview">Close</button>
          </section>
        )}
      </div>
    </div>
  );
}
