import { Handle, Position, useUpdateNodeInternals, type NodeProps } from '@xyflow/react';
import { memo, useCallback, useContext, useEffect, useRef, useSyncExternalStore } from 'react';
import { TARGET_HANDLE, type DesignNode } from '../flowJson';
import { DecorationStoreContext, DescriptorsContext, PinnedContext } from '../store';
import { formatDuration } from '../runView';
import type { ActivityDescriptor, Json } from '../../types';
import { ActivityIcon, lookOf, useBranding } from '../../look';
import { BrandIcon } from '../../connectors/BrandIcon';
import type { CardBranding } from '../../connectors/branding';

/** Outcome handles of a node: the descriptor's, a dynamic node's own (Switch cases), then 'fault'. */
export function nodeOutcomes(descriptor: ActivityDescriptor | undefined, inputs: Record<string, Json>): string[] {
  const list = [...(descriptor?.outcomes ?? ['done'])];
  if (descriptor?.dynamicOutcomes) {
    const cases = inputs.cases;
    if (cases && typeof cases === 'object' && !Array.isArray(cases) && !('js' in cases) && !('template' in cases))
      for (const key of Object.keys(cases)) if (!list.includes(key)) list.push(key);
  }
  if (!list.includes('fault')) list.push('fault');
  return list;
}

function ActivityNodeView({ id, data, selected }: NodeProps<DesignNode>) {
  const descriptor = useContext(DescriptorsContext).get(data.type);
  const decorations = useContext(DecorationStoreContext);
  const decoration = useSyncExternalStore(
    useCallback(listener => decorations.subscribe(id, listener), [decorations, id]),
    () => decorations.get(id),
  );
  const errors = decoration?.errors;
  const warnings = decoration?.warnings;
  const nodeRun = decoration?.run;
  const status = nodeRun?.status;
  const outcomes = nodeOutcomes(descriptor, data.inputs);
  const updateInternals = useUpdateNodeInternals();
  const outcomeKey = outcomes.join('|');
  // React Flow measures handles on mount; re-measure only when the outcomes change afterwards (Switch cases).
  const measured = useRef(outcomeKey);
  useEffect(() => {
    if (measured.current === outcomeKey) return;
    measured.current = outcomeKey;
    updateInternals(id);
  }, [id, outcomeKey, updateInternals]);
  const height = Math.max(56, 22 * outcomes.length + 14);
  const trigger = !!descriptor?.trigger;
  const errorOutcomes = descriptor?.errorOutcomes ?? [];
  const pinned = useContext(PinnedContext).has(id);
  const look = lookOf(descriptor);
  const branding = useBranding(data);
  const accent = branding?.color ?? look.color;

  return (
    <div
      className={`fc-node${selected ? ' selected' : ''}${status ? ` run-${status}` : ''}${errors ? ' has-errors' : ''}${trigger ? ' trigger' : ''}${decoration?.notConnected ? ' not-connected' : ''}${branding ? ' branded' : ''}`}
      style={{ minHeight: height, ['--accent' as string]: accent, ...(branding?.color ? { borderTopColor: branding.color } : {}) }}
      data-testid={`node-${id}`}
      title={[...(errors ?? []), ...(warnings ?? [])].map(p => p.message).join('\n') || descriptor?.description}
    >
      {/* A trigger starts the flow: nothing connects into it. */}
      {!trigger && <Handle type="target" position={Position.Left} id={TARGET_HANDLE} />}
      {trigger && <div className="fc-node-kind" data-testid="trigger-mark" title="A trigger: it starts the flow">trigger</div>}
      <div className="fc-node-head">
        {branding
          ? <span className="fc-node-brand" title={(branding as CardBranding).connectorName}>
              <BrandIcon iconUrl={branding.iconUrl} color={branding.color} name={(branding as CardBranding).connectorName} size={20} />
            </span>
          : <ActivityIcon look={look} />}
        <div className="fc-node-names">
          <div className="fc-node-title">{data.name || branding?.label || descriptor?.displayName || data.type}</div>
          <div className="fc-node-id">{id}</div>
        </div>
      </div>
      {!descriptor && <div className="fc-node-unknown">unknown type {data.type}</div>}
      {decoration?.notConnected && <div className="fc-node-unconnected" data-testid="not-connected" title="Nothing leads to this node, so it runs on its own when the flow starts">not connected</div>}
      {pinned && <div className="fc-node-pinned" data-testid="pinned" title="Test runs use this node's pinned output instead of running it">pinned</div>}
      {errors && <span className="badge badge-error" data-testid="error-badge">{errors.length}</span>}
      {!errors && warnings && <span className="badge badge-warning">{warnings.length}</span>}
      {nodeRun && (
        <span className={`badge badge-run badge-${status}`} title={nodeRun.runs > 1 ? `ran ${nodeRun.runs} times` : undefined}>
          <span data-testid="run-status">{status}</span>
          {nodeRun.durationMs !== undefined && <span className="run-duration" data-testid="run-duration"> {formatDuration(nodeRun.durationMs)}</span>}
        </span>
      )}
      {outcomes.map((outcome, index) => {
        const top = ((index + 1) * height) / (outcomes.length + 1);
        return (
          <div key={outcome}>
            <span className={`fc-outcome-label${outcome === 'fault' || errorOutcomes.includes(outcome) ? ' fault' : ''}`} style={{ top: top - 8 }}
              title={errorOutcomes.includes(outcome) ? 'an error outcome: with nothing connected it faults the node' : undefined}>{outcome}</span>
            <Handle type="source" position={Position.Right} id={outcome} style={{ top }} className={outcome === 'fault' ? 'handle-fault' : undefined} />
          </div>
        );
      })}
    </div>
  );
}

export const ActivityNode = memo(ActivityNodeView);
