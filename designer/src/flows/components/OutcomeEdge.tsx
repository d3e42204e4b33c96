// A connection with its outcome label drawn just right of the handle it leaves, above the nodes: in a layered layout
// that spot is in the gap between layers, so the label is never hidden behind a node (a midpoint label is, on long edges).
import { BaseEdge, EdgeLabelRenderer, getBezierPath, type EdgeProps } from '@xyflow/react';
import { memo } from 'react';

function OutcomeEdgeView({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, label, markerEnd, style, selected }: EdgeProps) {
  const [path] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={style} />
      {label && (
        <EdgeLabelRenderer>
          <div className={`edge-label${selected ? ' selected' : ''}${label === 'fault' ? ' fault' : ''}`} data-testid={`edge-label-${id}`}
            style={{ transform: `translate(${sourceX + 8}px, ${sourceY}px) translateY(-50%)` }}>
            {label}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

export const OutcomeEdge = memo(OutcomeEdgeView);
