// The canvas: React Flow with the designer's nodes and edges, the minimap and its toggle, the "Add first step" empty
// state and, signed out, the sign-in prompt (split out of FlowDesigner; behaviour unchanged).
import {
  Background, Controls, MiniMap, ReactFlow,
  type Connection, type EdgeChange, type EdgeTypes, type FinalConnectionState, type NodeChange, type NodeTypes,
} from '@xyflow/react';
import { Map as MapIcon, Plus } from 'lucide-react';
import type { DragEvent, RefObject } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { Button, IconButton } from '../components/ui';
import { ActivityNode } from './components/ActivityNode';
import { OutcomeEdge } from './components/OutcomeEdge';
import type { Panels } from './components/Toolbar';
import type { DesignEdge, DesignNode } from './flowJson';
import { useStore } from './store';

/** Lets a 25-node row (and a 500-node flow) fit the canvas; React Flow's default stops at 0.5. */
export const MIN_ZOOM = 0.05;
/** Fit view: everything on screen, but a small flow is not blown up past its natural size. */
export const FIT = { minZoom: MIN_ZOOM, maxZoom: 1 };

const nodeTypes: NodeTypes = { activity: ActivityNode };
const edgeTypes: EdgeTypes = { default: OutcomeEdge };

export function FlowCanvas({ canvasRef, onDrop, onConnectEnd, panels, onPanels, ready, onAddFirstStep }: {
  canvasRef: RefObject<HTMLDivElement | null>; onDrop: (event: DragEvent) => void;
  onConnectEnd: (event: MouseEvent | TouchEvent, connection: FinalConnectionState) => void;
  panels: Panels; onPanels: (panels: Panels) => void; ready: boolean; onAddFirstStep: () => void;
}) {
  const { state, dispatch } = useStore();
  const design = state.design;
  return (
    <div className="canvas" ref={canvasRef} onDragOver={e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop}>
      <ReactFlow
        nodes={design.nodes}
        edges={design.edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        onConnectEnd={onConnectEnd}
        onNodesChange={(changes: NodeChange<DesignNode>[]) => {
          const kept = changes.filter(c => c.type !== 'remove');
          if (kept.length) dispatch({ kind: 'nodesChange', changes: kept });
        }}
        onEdgesChange={(changes: EdgeChange[]) => {
          const kept = changes.filter(c => c.type !== 'remove');
          if (kept.length) dispatch({ kind: 'edgesChange', changes: kept });
        }}
        // Removals arrive here once, nodes and edges together: one undo step.
        onDelete={({ nodes, edges }: { nodes: DesignNode[]; edges: DesignEdge[] }) =>
          dispatch({ kind: 'delete', nodeIds: nodes.map(n => n.id), edgeIds: edges.map(e => e.id) })}
        onConnect={(connection: Connection) => dispatch({ kind: 'connect', connection })}
        onNodeDoubleClick={(_e, node) => dispatch({ kind: 'details', nodeId: node.id })}
        deleteKeyCode={['Backspace', 'Delete']}
        multiSelectionKeyCode={['Meta', 'Control']}
        selectionKeyCode="Shift"
        onlyRenderVisibleElements
        minZoom={MIN_ZOOM}
        fitView
        fitViewOptions={FIT}
      >
        <Background />
        <Controls showInteractive={false} />
        {panels.minimap && <MiniMap pannable zoomable style={{ width: 160, height: 110 }} />}
      </ReactFlow>
      <IconButton icon={MapIcon} label={panels.minimap ? 'Hide the minimap' : 'Show the minimap'} active={panels.minimap}
        className="minimap-toggle" data-testid="toggle-minimap" onClick={() => onPanels({ ...panels, minimap: !panels.minimap })} />
      {!ready && <SignInPrompt to="to build, test and publish flows" className="canvas-sign-in" />}
      {design.nodes.length === 0 && state.descriptors.length > 0 && (
        <div className="empty-state" data-testid="empty-state">
          <Button icon={Plus} variant="primary" data-testid="add-first-step" onClick={onAddFirstStep}>Add first step</Button>
          <p className="hint">or drag an activity from the palette, or press Tab</p>
        </div>
      )}
    </div>
  );
}
