// The flow settings' error flow: the flow that starts, once, with the fault when an instance of this one faults and
// nothing handled it (the flow JSON's errorFlow). README "Error policies and error flows".
import { useCallback, useEffect, useMemo, useState } from 'react';
import { createApi } from '../../api';
import { useStore } from '../store';
import type { FlowSummary } from '../../types';
import { Select } from '../../components/ui';
import { useSession } from '../../session';

export function ErrorFlowPicker() {
  const { state, dispatch } = useStore();
  const api = useMemo(() => createApi(), []);
  const [flows, setFlows] = useState<FlowSummary[]>();
  const [error, setError] = useState<string>();
  const meta = state.design.meta;
  const session = useSession();
  // Listed again for each flow opened, on sign-in and whenever the picker gets the focus: flows are added, and the
  // session may come after the designer (a password sign-in): listing before it would only show a 401.
  const load = useCallback(() => session.signedIn
    ? api.listFlows().then(f => { setFlows(f); setError(undefined); }, e => setError((e as Error).message))
    : Promise.resolve(), [api, session.signedIn]);
  useEffect(() => { void load(); }, [load, meta.id, session.user?.id]);
  const current = typeof meta.rest.errorFlow === 'string' ? meta.rest.errorFlow : '';
  const choices = (flows ?? []).filter(f => f.flowId !== meta.id);
  const set = (flowId: string) => {
    const { errorFlow: _old, ...rest } = meta.rest;
    dispatch({ kind: 'setMeta', rest: flowId ? { ...rest, errorFlow: flowId } : rest });
  };
  return (
    <label className="field" title="Starts once with the fault (flow, node, message, instance link, inputs with secrets redacted) when an instance faults and nothing handled it; its trigger is an Error Trigger">
      error flow
      <Select aria-label="error flow" data-testid="error-flow" value={current} onFocus={() => void load()} onChange={e => set(e.target.value)}>
        <option value="">(none)</option>
        {current && !choices.some(f => f.flowId === current) && <option value={current}>{current}</option>}
        {choices.map(f => <option key={f.flowId} value={f.flowId}>{f.name ? `${f.name} (${f.flowId})` : f.flowId}</option>)}
      </Select>
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}
