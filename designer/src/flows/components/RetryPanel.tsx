// Retry from the failed node, in the Run tab of a faulted instance: pick the version (its own or the latest published),
// see which nodes run again and what they do outside the instance, confirm the unsafe ones, map renamed nodes.
import { useState } from 'react';
import { ApiError, detailOf, type Api } from '../../api';
import type { InstanceDetail, RetryPlan } from '../../types';
import { Button } from '../../components/ui';
import { useCan } from '../../session';

export interface RetryPanelProps {
  instance: InstanceDetail;
  api: Pick<Api, 'retryPlan' | 'retry'>;
  /** The retry was accepted: the instance runs again. */
  onRetried: (instanceId: string) => void;
}

interface Problem { code?: string; detail?: string; nodes?: string[] }

export function RetryPanel({ instance, api, onRetried }: RetryPanelProps) {
  const can = useCan();
  const [version, setVersion] = useState('same');
  const [plan, setPlan] = useState<RetryPlan | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [mapping, setMapping] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  if (instance.status !== 'faulted' || !instance.retry) return null;

  const given = () => {
    const entries = Object.entries(mapping).filter(([, to]) => to.trim() !== '');
    return entries.length ? Object.fromEntries(entries.map(([from, to]) => [from, to.trim()])) : undefined;
  };
  const failWith = (e: unknown) => {
    const body = e instanceof ApiError ? e.body as Problem | null : null;
    setProblem({ code: body?.code, detail: body ? detailOf(body) : e instanceof Error ? e.message : String(e), nodes: body?.nodes });
  };

  /** First look: what runs again; unsafe nodes wait for a confirmation. */
  const start = async () => {
    setBusy(true);
    setProblem(null);
    try {
      const found = await api.retryPlan(instance.instanceId, version, given());
      setPlan(found);
      if (found.unsafeNodes.length === 0) await retry(false);
    } catch (e) { failWith(e); } finally { setBusy(false); }
  };

  const retry = async (confirmUnsafe: boolean) => {
    setBusy(true);
    try {
      await api.retry(instance.instanceId, version, given(), confirmUnsafe);
      setPlan(null);
      onRetried(instance.instanceId);
    } catch (e) { failWith(e); } finally { setBusy(false); }
  };

  const unsafe = plan?.rerun.filter(r => r.sideEffects === 'unsafe') ?? [];
  // A retry runs the instance again: runs.execute (operators, admins, owners); others see why it failed, not the button.
  if (!can('runs.execute')) return null;
  return (
    <div className="retry-panel" data-testid="retry-panel">
      <label>
        Retry on{' '}
        <select value={version} onChange={e => { setVersion(e.target.value); setPlan(null); setProblem(null); }} data-testid="retry-version" aria-label="Retry on version">
          <option value="same">its version ({instance.flowVersion})</option>
          <option value="latest">the latest published version</option>
        </select>
      </label>{' '}
      <Button small variant="primary" disabled={busy} onClick={() => void start()} data-testid="retry-from-failed-node">Retry from failed node</Button>
      <span className="hint"> runs again from <code>{instance.retry.failedNode}</code>
        {instance.retry.unfinishedNodes.length > 0 && <> and {instance.retry.unfinishedNodes.join(', ')}</>}; completed nodes keep their results.</span>
      {problem?.code === 'MAPPING_REQUIRED' && problem.nodes && (
        <div className="retry-mapping" data-testid="retry-mapping">
          <p className="error">{problem.detail}</p>
          {problem.nodes.map(node => (
            <label key={node}><code>{node}</code> → {' '}
              <input value={mapping[node] ?? ''} placeholder="node id in that version" data-testid={`retry-map-${node}`}
                onChange={e => setMapping({ ...mapping, [node]: e.target.value })} />
            </label>
          ))}
        </div>
      )}
      {problem && problem.code !== 'MAPPING_REQUIRED' && <p className="error" data-testid="retry-error">{problem.detail}</p>}
      {plan && unsafe.length > 0 && (
        <div className="retry-confirm" role="alertdialog" aria-label="Confirm unsafe retry" data-testid="retry-confirm">
          <p>These nodes run again and may do their work twice (no idempotency key):</p>
          <ul data-testid="retry-unsafe">
            {unsafe.map(r => <li key={`${r.nodeId}/${r.iteration}`}><code>{r.nodeId}</code> ({r.activityType}{r.iteration ? `, pass ${r.iteration}` : ''})</li>)}
          </ul>
          <Button small variant="primary" disabled={busy} onClick={() => void retry(true)} data-testid="retry-confirm-unsafe">Run them again</Button>{' '}
          <Button small onClick={() => setPlan(null)}>Cancel</Button>
        </div>
      )}
    </div>
  );
}
