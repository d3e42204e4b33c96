// The bottom panel: problems, the run (journal with each node's inputs and outputs), past instances and versions.
import { useEffect, useState } from 'react';
import { formatDuration, parseDuration } from '../runView';
import { useStore } from '../store';
import type { FlowVersion, InstanceSummary, JournalEntry } from '../../types';
import { Button, Tabs } from '../../components/ui';
import type { Api } from '../../api';
import { RetryPanel } from './RetryPanel';
import { useCan } from '../../session';

export type PanelTab = 'problems' | 'run' | 'instances' | 'versions';

export interface BottomPanelProps {
  tab: PanelTab;
  onTab: (tab: PanelTab) => void;
  onSelectNode: (id: string) => void;
  loadInstances: () => Promise<InstanceSummary[]>;
  onOpenInstance: (id: string) => void;
  loadVersions: () => Promise<FlowVersion[]>;
  onViewVersion: (version: number) => void;
  onRestoreVersion: (version: number) => Promise<void>;
  onPublishVersion: (version: number) => Promise<void>;
  /** Retry of a faulted instance from its failed node; absent where instances cannot be retried. */
  retryApi?: Pick<Api, 'retryPlan' | 'retry'>;
  onRetried?: (instanceId: string) => void;
}

const json = (v: unknown) => JSON.stringify(v ?? null, null, 2);

function JournalRow({ entry, index, onSelectNode }: { entry: JournalEntry; index: number; onSelectNode: (id: string) => void }) {
  const [open, setOpen] = useState(false);
  const status = entry.error || entry.outcome === 'fault' ? 'faulted' : entry.outcome === 'suspended' ? 'suspended' : 'done';
  return (
    <>
      <tr className={`journal-row ${status}`} data-testid={`journal-${entry.nodeId}`} data-index={index}>
        <td><button className="link" onClick={() => setOpen(!open)} aria-label={`details of ${entry.nodeId}`}>{open ? '▾' : '▸'}</button></td>
        <td><button className="link" onClick={() => onSelectNode(entry.nodeId)}>{entry.nodeId}</button></td>
        <td>{entry.activityType}</td>
        <td>{entry.outcome}</td>
        <td className="num">{formatDuration(parseDuration(entry.duration))}</td>
        <td className="error">{entry.error}</td>
      </tr>
      {open && (
        <tr className="journal-details" data-testid={`journal-details-${entry.nodeId}`}>
          <td />
          <td colSpan={5}>
            <div className="io">
              <div><h5>inputs</h5><pre>{json(entry.inputs)}</pre></div>
              <div><h5>outputs</h5><pre>{json(entry.outputs)}</pre></div>
            </div>
          </td>
        </tr>
      )}
    </>
  );
}

function RunTab({ onSelectNode, retryApi, onRetried }: { onSelectNode: (id: string) => void; retryApi?: Pick<Api, 'retryPlan' | 'retry'>; onRetried?: (id: string) => void }) {
  const { state } = useStore();
  const run = state.run;
  if (!run) return <p className="hint">Test the flow (Test flow…) or open a past instance to see its journal here.</p>;
  const { instance, journal } = run;
  return (
    <div className="run-view">
      <p>
        {instance.flowVersion === 0 ? 'test run of the draft' : 'instance'} <code data-testid="run-instance">{instance.instanceId}</code>{instance.flowVersion === 0 ? '' : ` (version ${instance.flowVersion})`}:{' '}
        <strong data-testid="run-status-text" className={`status-${instance.status}`}>{instance.status}</strong>
      </p>
      {instance.fault && <p className="error" data-testid="run-fault">fault at {instance.fault.nodeId}: {instance.fault.message}</p>}
      {retryApi && onRetried && <RetryPanel instance={instance} api={retryApi} onRetried={onRetried} />}
      {(instance.history ?? []).length > 0 && (
        <ul className="instance-history" data-testid="run-history">
          {instance.history!.map((h, i) => <li key={i}>{h.action} by {h.by ?? 'unknown'} <span className="hint">{h.at}</span>{h.detail ? `: ${h.detail}` : ''}</li>)}
        </ul>
      )}
      {instance.status === 'suspended' && (
        <ul className="waits" data-testid="run-waits">
          {instance.waitingFor.map((w, i) => (
            <li key={i}>waits at <button className="link" onClick={() => onSelectNode(w.nodeId)}>{w.nodeId}</button>
              {w.activityType ? ` (${w.activityType})` : ''} for {w.description}</li>
          ))}
        </ul>
      )}
      {(instance.status === 'finished' || Object.keys(instance.outputs ?? {}).length > 0) && (
        <div className="run-outputs"><h5>outputs</h5><pre data-testid="run-outputs">{json(instance.outputs)}</pre></div>
      )}
      <table className="journal" data-testid="journal">
        <thead><tr><th /><th>node</th><th>activity</th><th>outcome</th><th>duration</th><th>error</th></tr></thead>
        <tbody>{journal.map((e, i) => <JournalRow key={i} entry={e} index={i} onSelectNode={onSelectNode} />)}</tbody>
      </table>
    </div>
  );
}

function InstancesTab({ load, onOpen }: { load: () => Promise<InstanceSummary[]>; onOpen: (id: string) => void }) {
  const { state } = useStore();
  const [list, setList] = useState<InstanceSummary[]>();
  const refresh = () => { load().then(setList, () => setList([])); };
  useEffect(refresh, [state.design.meta.id, state.run?.instance.instanceId]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <div>
      <p className="hint">Past runs of <code>{state.design.meta.id}</code>, newest first. <button className="link" onClick={refresh}>refresh</button></p>
      <table className="instances" data-testid="instances">
        <thead><tr><th>started</th><th>status</th><th>version</th><th>instance</th><th /></tr></thead>
        <tbody>
          {(list ?? []).map(i => (
            <tr key={i.instanceId} data-testid={`instance-${i.instanceId}`} className={state.run?.instance.instanceId === i.instanceId ? 'current' : undefined}>
              <td>{new Date(i.createdAt).toLocaleString()}</td>
              <td className={`status-${i.status}`}>{i.status}</td>
              <td>{i.flowVersion}</td>
              <td><code>{i.instanceId}</code>{i.fault ? <span className="error"> {i.fault}</span> : null}</td>
              <td><Button small onClick={() => onOpen(i.instanceId)}>Open</Button></td>
            </tr>
          ))}
        </tbody>
      </table>
      {list && list.length === 0 && <p className="hint">No runs yet.</p>}
    </div>
  );
}

function VersionsTab(p: Pick<BottomPanelProps, 'loadVersions' | 'onViewVersion' | 'onRestoreVersion' | 'onPublishVersion'>) {
  const { state } = useStore();
  const [list, setList] = useState<FlowVersion[]>();
  const refresh = () => { p.loadVersions().then(v => setList([...v].sort((a, b) => b.version - a.version)), () => setList([])); };
  useEffect(refresh, [state.design.meta.id, state.message?.text]); // eslint-disable-line react-hooks/exhaustive-deps
  const latest = list?.[0]?.version;
  const can = useCan();
  return (
    <div>
      <p className="hint">Every save is a version. Restore saves an older one as the newest; Publish makes a version the one runs and triggers use.</p>
      <table className="versions" data-testid="versions">
        <thead><tr><th>version</th><th>saved</th><th /><th /></tr></thead>
        <tbody>
          {(list ?? []).map(v => (
            <tr key={v.version} data-testid={`version-${v.version}`} className={state.viewingVersion === v.version ? 'current' : undefined}>
              <td>{v.version}{v.version === latest ? ' (latest)' : ''}</td>
              <td>{new Date(v.createdAt).toLocaleString()}</td>
              <td>{v.published ? <strong className="published">published</strong> : null}</td>
              <td className="actions">
                <Button small onClick={() => p.onViewVersion(v.version)}>View</Button>
                {v.version !== latest && can('flows.write') && <Button small onClick={() => void p.onRestoreVersion(v.version).then(refresh)}>Restore</Button>}
                {!v.published && can('flows.publish') && <Button small onClick={() => void p.onPublishVersion(v.version).then(refresh)}>Publish</Button>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {list && list.length === 0 && <p className="hint">Not saved yet.</p>}
    </div>
  );
}

export function BottomPanel(p: BottomPanelProps) {
  const { state } = useStore();
  const { problems } = state;
  const tabs: [PanelTab, string][] = [['problems', `Problems (${problems.length})`], ['run', 'Run'], ['instances', 'Instances'], ['versions', 'Versions']];
  return (
    <footer className="bottom">
      <nav className="bottom-tabs">
        <Tabs label="bottom panel" active={p.tab} onChange={p.onTab} tabs={tabs.map(([id, label]) => ({ id, label, testId: `tab-panel-${id}` }))} />
      </nav>
      <div className="bottom-body">
        {p.tab === 'problems' && (
          <section className="problems" data-testid="problems">
            <ul>
              {problems.map((x, i) => (
                <li key={i} className={x.severity} onClick={() => x.nodeId && p.onSelectNode(x.nodeId)} data-node={x.nodeId ?? undefined}>
                  <span className="sev">{x.severity}</span> <code>{x.path}</code> {x.message}
                </li>
              ))}
            </ul>
            {problems.length === 0 && <p className="hint">No problems.</p>}
          </section>
        )}
        {p.tab === 'run' && <section data-testid="run-result"><RunTab onSelectNode={p.onSelectNode} retryApi={p.retryApi} onRetried={p.onRetried} /></section>}
        {p.tab === 'instances' && <InstancesTab load={p.loadInstances} onOpen={p.onOpenInstance} />}
        {p.tab === 'versions' && <VersionsTab {...p} />}
      </div>
    </footer>
  );
}
