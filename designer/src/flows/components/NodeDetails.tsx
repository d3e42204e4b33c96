// Node details: what flowed into the node on the last run or test (its upstream nodes' outputs), its settings, and
// what came out, side by side. A field dragged from the input side into a setting writes its expression.
import { useContext, useMemo } from 'react';
import { nodeRoot } from '../dataPaths';
import type { DesignNode } from '../flowJson';
import { lastEntries } from '../nodeData';
import { formatDuration, parseDuration } from '../runView';
import { DescriptorsContext, useStore } from '../store';
import type { Json } from '../../types';
import { Inspector } from './Inspector';
import { JsonView } from '../../components/JsonView';
import { Button, IconButton } from '../../components/ui';
import { useCan } from '../../session';
import { FlaskConical, Pin, PinOff, Plus, X } from 'lucide-react';
import { ActivityIcon, lookOf, useBranding } from '../../look';

export interface NodeDetailsProps {
  node: DesignNode;
  onClose: () => void;
  onTestStep: (nodeId: string) => void;
  /** Opens the node picker for the step after this one (connected from its first non-error outcome). */
  /** Opens the node picker for a step after this one; without it (a card's canvas) the button is not shown. */
  onAddNext?: (nodeId: string) => void;
  busy: boolean;
}

export function NodeDetails({ node, onClose, onTestStep, onAddNext, busy }: NodeDetailsProps) {
  const { state, dispatch } = useStore();
  const can = useCan();
  const descriptors = useContext(DescriptorsContext);
  const design = state.design;
  const entries = useMemo(() => lastEntries(state.run?.journal, state.steps, design.nodes.map(n => n.id)),
    [state.run, state.steps, design.nodes]);
  const upstream = [...new Set(design.edges.filter(e => e.target === node.id).map(e => e.source))];
  const own = entries.get(node.id);
  const pin = state.pins[node.id];
  const outputs = (pin?.outputs ?? own?.outputs ?? undefined) as Record<string, Json> | undefined;
  const descriptor = descriptors.get(node.data.type);
  const branding = useBranding(node.data);
  return (
    <div className="details-overlay" role="dialog" aria-label={`details of ${node.id}`} data-testid="node-details"
      onKeyDown={e => { if (e.key === 'Escape') onClose(); }}>
      <header className="details-head">
        <ActivityIcon look={lookOf(descriptor)} branding={branding} />
        <strong>{node.data.name || branding?.label || descriptor?.displayName || node.data.type}</strong> <code>{node.id}</code>
        <span className="spacer" />
        {can('flows.write') && <Button variant="primary" icon={FlaskConical} data-testid="test-step" disabled={busy} onClick={() => onTestStep(node.id)}
          title="Run this node alone with the data its upstream nodes produced last time (runs the flow first when there is none); nothing is saved or published">
          {busy ? 'Testing…' : 'Test step'}
        </Button>}
        {onAddNext && <Button icon={Plus} data-testid="add-next-step" onClick={() => onAddNext(node.id)}
          title="Add the step after this one, connected to it">Add next step</Button>}
        <IconButton icon={X} label="close details" data-testid="close-details" onClick={onClose} title="Close (Escape)" />
      </header>
      <div className="details-columns">
        <section className="details-col" data-testid="details-input">
          <h4>Input</h4>
          {upstream.length === 0 && <p className="hint">{descriptor?.trigger ? 'A trigger: its data comes from the event that starts the flow.' : 'Nothing leads into this node.'}</p>}
          {upstream.map(id => {
            const data = (state.pins[id]?.outputs ?? entries.get(id)?.outputs) as Record<string, Json> | undefined;
            return (
              <div key={id} className="details-source">
                <h5><code>{nodeRoot(id)}</code>{state.pins[id] && <span className="pin-tag">pinned</span>}</h5>
                {data ? <JsonView value={data} root={nodeRoot(id)} testId={`input-data-${id}`} />
                  : <p className="hint">No data yet: Test step runs the flow up to here first.</p>}
              </div>
            );
          })}
          {upstream.length > 0 && <p className="hint">Drag a field into a setting to use it there.</p>}
        </section>
        <section className="details-col details-settings">
          <Inspector node={node} />
        </section>
        <section className="details-col" data-testid="details-output">
          <h4>Output {own?.outcome && <span className={`outcome-tag${own.error ? ' error' : ''}`} data-testid="details-outcome">{pin ? pin.outcome ?? 'done' : own.outcome}</span>}
            {own?.duration && !pin && <span className="hint"> {formatDuration(parseDuration(own.duration))}</span>}</h4>
          {own?.error && !pin && <p className="error" data-testid="details-error">{own.error}</p>}
          {outputs && Object.keys(outputs).length > 0 ? <JsonView value={outputs} root={nodeRoot(node.id)} testId="output-data" />
            : own && !own.error ? (
              // A step without outputs (Return, Set Output, Log): what it was given is what it did.
              <>
                <p className="hint">No outputs; the values it used:</p>
                <JsonView value={(own.inputs ?? {}) as Record<string, Json>} root={nodeRoot(node.id)} testId="output-inputs" />
              </>
            ) : !own ? <p className="hint">Not run yet: Test step runs it.</p> : null}
          <div className="details-actions">
            {pin ? (
              <Button icon={PinOff} data-testid="unpin" onClick={() => dispatch({ kind: 'pin', nodeId: node.id })}>Unpin</Button>
            ) : (
              <Button icon={Pin} data-testid="pin" disabled={!own?.outputs || !!own.error}
                title="Test runs use this output instead of running the node (the vendor is not called); kept with the draft, never published or exported"
                onClick={() => own?.outputs && dispatch({ kind: 'pin', nodeId: node.id, pin: { outputs: own.outputs as Record<string, Json>, outcome: own.outcome ?? 'done' } })}>
                Pin output
              </Button>
            )}
          </div>
        </section>
      </div>
    </div>
  );
}
