// A node's "On error" settings (its onError block in the flow JSON): retries with a fixed or doubling delay and
// jitter, then fault, continue on the fault port, or return a value. README "Error policies and error flows".
import { useEffect, useState } from 'react';
import type { DesignNode } from '../flowJson';
import { useStore } from '../store';
import { Select } from '../../components/ui';

export interface ErrorPolicy {
  retries?: number;
  delayMs?: number;
  backoff?: 'fixed' | 'exponential';
  maxDelayMs?: number;
  jitter?: number;
  then?: 'fault' | 'continue' | 'return';
  value?: Record<string, unknown>;
}

const THEN_TEXT: Record<NonNullable<ErrorPolicy['then']>, string> = {
  fault: 'Fault (the fault port if connected, else the instance faults)',
  continue: 'Continue on the fault port (never faults the instance)',
  return: 'Return a value (as the node\'s outputs)',
};

/** The policy without its defaults; undefined when nothing differs from "no policy". */
export function normalizePolicy(policy: ErrorPolicy): ErrorPolicy | undefined {
  const out: ErrorPolicy = {};
  if (policy.retries) out.retries = policy.retries;
  if (policy.delayMs !== undefined && policy.delayMs !== 1000) out.delayMs = policy.delayMs;
  if (policy.backoff === 'exponential') out.backoff = 'exponential';
  if (policy.maxDelayMs !== undefined) out.maxDelayMs = policy.maxDelayMs;
  if (policy.jitter) out.jitter = policy.jitter;
  if (policy.then && policy.then !== 'fault') out.then = policy.then;
  if (policy.then === 'return' && policy.value !== undefined) out.value = policy.value;
  return Object.keys(out).length === 0 ? undefined : out;
}

function whole(text: string, max: number): number | undefined {
  if (text.trim() === '') return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= 0 && n <= max ? n : NaN;
}

export function ErrorPolicyEditor({ node }: { node: DesignNode }) {
  const { dispatch } = useStore();
  const policy = (node.data.extra.onError ?? {}) as ErrorPolicy;
  const [valueText, setValueText] = useState(policy.value !== undefined ? JSON.stringify(policy.value, null, 2) : '');
  const [valueProblem, setValueProblem] = useState<string>();
  useEffect(() => {
    setValueText(policy.value !== undefined ? JSON.stringify(policy.value, null, 2) : '');
    setValueProblem(undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- another node, or an outside change (undo, load)
  }, [node.id, JSON.stringify(policy.value)]);
  const save = (next: ErrorPolicy) => {
    const { onError: _old, ...extra } = node.data.extra;
    const normalized = normalizePolicy(next);
    dispatch({ kind: 'patchNode', nodeId: node.id, patch: { extra: normalized ? { ...extra, onError: normalized } : extra } });
  };
  const retries = policy.retries ?? 0;
  const then = policy.then ?? 'fault';
  const numberField = (label: string, testId: string, value: number | undefined, max: number, apply: (n: number | undefined) => void, hint?: string) => (
    <label className="field" title={hint}>{label}
      <input type="number" min={0} max={max} aria-label={label} data-testid={testId} value={value ?? ''} placeholder={hint}
        onChange={e => { const n = whole(e.target.value, max); if (!Number.isNaN(n)) apply(n); }} />
    </label>
  );
  return (
    <section className="error-policy" data-testid="error-policy" aria-label="on error">
      <h4>On error</h4>
      <p className="hint">When this node fails: try again, then fault, continue on its <code>fault</code> port, or return a value.
        HTTP requests are retried on 408, 429, 5xx and network errors, waiting as long as a 429/503&apos;s Retry-After asks.</p>
      {numberField('retries', 'error-retries', retries || undefined, 100, n => save({ ...policy, retries: n }), '0: no retry')}
      {retries > 0 && (
        <>
          {numberField('delay (ms)', 'error-delay', policy.delayMs, 604800000, n => save({ ...policy, delayMs: n }), 'default 1000')}
          <label className="field">backoff
            <Select aria-label="backoff" data-testid="error-backoff" value={policy.backoff ?? 'fixed'}
              onChange={e => save({ ...policy, backoff: e.target.value as ErrorPolicy['backoff'] })}>
              <option value="fixed">fixed: the same delay each time</option>
              <option value="exponential">exponential: the delay doubles</option>
            </Select>
          </label>
          {numberField('jitter (%)', 'error-jitter', policy.jitter !== undefined ? Math.round(policy.jitter * 100) : undefined, 100,
            n => save({ ...policy, jitter: n === undefined ? undefined : n / 100 }), 'e.g. 20: ±20% at random')}
          {numberField('max delay (ms)', 'error-max-delay', policy.maxDelayMs, 604800000, n => save({ ...policy, maxDelayMs: n }), 'default 3600000 (1 h)')}
          <p className="hint">Waits over 5 s suspend the instance on a durable timer; it resumes wherever it is picked up.</p>
        </>
      )}
      <label className="field">then
        <Select aria-label="then" data-testid="error-then" value={then} onChange={e => save({ ...policy, then: e.target.value as ErrorPolicy['then'] })}>
          {(Object.keys(THEN_TEXT) as (keyof typeof THEN_TEXT)[]).map(t => <option key={t} value={t}>{THEN_TEXT[t]}</option>)}
        </Select>
      </label>
      <SideEffectsField node={node} />
      {then === 'return' && (
        <label className="field">return value (the node&apos;s outputs by name, JSON)
          <textarea aria-label="return value" data-testid="error-value" rows={3} value={valueText} placeholder='{ "body": { "cached": true } }'
            onChange={e => {
              setValueText(e.target.value);
              try {
                const parsed = e.target.value.trim() === '' ? undefined : JSON.parse(e.target.value) as unknown;
                if (parsed !== undefined && (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))) { setValueProblem('must be an object of outputs'); return; }
                setValueProblem(undefined);
                save({ ...policy, value: parsed as Record<string, unknown> | undefined });
              } catch (error) { setValueProblem((error as Error).message); }
            }} />
          {valueProblem && <span className="field-error" data-testid="error-value-problem">{valueProblem}</span>}
        </label>
      )}
    </section>
  );
}

const SIDE_EFFECTS_TEXT: Record<string, string> = {
  '': 'as the activity declares',
  none: 'none: changes nothing outside (a read, a search)',
  idempotent: 'idempotent: running it again changes nothing more',
  unsafe: 'unsafe: may do its work twice; a retry asks first',
};

/** The node's own sideEffects (flow JSON): what a retry or a recovery running it again does outside the instance. */
function SideEffectsField({ node }: { node: DesignNode }) {
  const { dispatch } = useStore();
  const current = typeof node.data.extra.sideEffects === 'string' ? node.data.extra.sideEffects : '';
  const save = (value: string) => {
    const { sideEffects: _old, ...extra } = node.data.extra;
    dispatch({ kind: 'patchNode', nodeId: node.id, patch: { extra: value ? { ...extra, sideEffects: value } : extra } });
  };
  return (
    <label className="field" title="Retry and recovery list the nodes they run again; unsafe ones need confirmation">side effects
      <Select aria-label="side effects" data-testid="side-effects" value={current} onChange={e => save(e.target.value)}>
        {Object.entries(SIDE_EFFECTS_TEXT).map(([value, text]) => <option key={value} value={value}>{text}</option>)}
      </Select>
    </label>
  );
}
