// All designer state in one reducer; nodes read descriptors and decorations from small, rarely-changing contexts.
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { createContext, useContext, type Dispatch } from 'react';
import { emptyDesign, makeEdge, renameNode, type Design, type DesignNode, type NodeData } from './flowJson';
import type { ActivityDescriptor, FlowProblem, FlowSummary, Json, RunResult } from './types';

export type NodeRunStatus = 'done' | 'faulted';

export interface State {
  design: Design;
  /** Bumped on every edit of the flow (not on selection); drives live validation. */
  revision: number;
  descriptors: ActivityDescriptor[];
  problems: FlowProblem[];
  run?: RunResult;
  runStatus: Record<string, NodeRunStatus>;
  message?: { text: string; error?: boolean };
  flows?: FlowSummary[];
}

export type Action =
  | { kind: 'descriptors'; descriptors: ActivityDescriptor[] }
  | { kind: 'load'; design: Design }
  | { kind: 'nodesChange'; changes: NodeChange<DesignNode>[] }
  | { kind: 'edgesChange'; changes: EdgeChange[] }
  | { kind: 'connect'; connection: Connection }
  | { kind: 'addNode'; node: DesignNode }
  | { kind: 'setInput'; nodeId: string; name: string; value: Json | undefined }
  | { kind: 'patchNode'; nodeId: string; patch: Partial<Pick<NodeData, 'name' | 'description'>> }
  | { kind: 'renameNode'; from: string; to: string }
  | { kind: 'setMeta'; id?: string; name?: string; rest?: Record<string, unknown> }
  | { kind: 'select'; nodeId: string }
  | { kind: 'problems'; problems: FlowProblem[] }
  | { kind: 'run'; run?: RunResult; runStatus: Record<string, NodeRunStatus> }
  | { kind: 'message'; text: string; error?: boolean }
  | { kind: 'flows'; flows?: FlowSummary[] };

export const initialState: State = { design: emptyDesign(), revision: 0, descriptors: [], problems: [], runStatus: {} };

const edit = (state: State, design: Design): State => ({ ...state, design, revision: state.revision + 1 });

export function reducer(state: State, action: Action): State {
  const d = state.design;
  switch (action.kind) {
    case 'descriptors':
      return { ...state, descriptors: action.descriptors };
    case 'load':
      return { ...state, design: action.design, revision: state.revision + 1, problems: [], run: undefined, runStatus: {} };
    case 'nodesChange': {
      const nodes = applyNodeChanges(action.changes, d.nodes);
      const removed = new Set(action.changes.filter(c => c.type === 'remove').map(c => c.id));
      const edges = removed.size ? d.edges.filter(e => !removed.has(e.source) && !removed.has(e.target)) : d.edges;
      const changesFlow = action.changes.some(c => c.type === 'remove' || c.type === 'add' || (c.type === 'position' && !c.dragging));
      const next = { ...d, nodes, edges };
      return changesFlow ? edit(state, next) : { ...state, design: next };
    }
    case 'edgesChange': {
      const edges = applyEdgeChanges(action.changes, d.edges);
      const changesFlow = action.changes.some(c => c.type !== 'select');
      return changesFlow ? edit(state, { ...d, edges }) : { ...state, design: { ...d, edges } };
    }
    case 'connect': {
      const { source, sourceHandle, target } = action.connection;
      if (!source || !target) return state;
      const edge = makeEdge(source, sourceHandle ?? 'done', target);
      if (d.edges.some(e => e.id === edge.id)) return state;
      return edit(state, { ...d, edges: [...d.edges, edge] });
    }
    case 'addNode':
      return edit(state, {
        ...d,
        nodes: [...d.nodes.map(n => (n.selected ? { ...n, selected: false } : n)), { ...action.node, selected: true }],
      });
    case 'setInput':
      return edit(state, {
        ...d,
        nodes: d.nodes.map(n => {
          if (n.id !== action.nodeId) return n;
          const inputs = { ...n.data.inputs };
          if (action.value === undefined) delete inputs[action.name];
          else inputs[action.name] = action.value;
          return { ...n, data: { ...n.data, inputs } };
        }),
      });
    case 'patchNode':
      return edit(state, {
        ...d,
        nodes: d.nodes.map(n => (n.id === action.nodeId ? { ...n, data: { ...n.data, ...action.patch } } : n)),
      });
    case 'renameNode': {
      const renamed = renameNode(d, action.from, action.to);
      return renamed ? edit(state, renamed) : { ...state, message: { text: `'${action.to}' is taken or not a valid node id`, error: true } };
    }
    case 'setMeta':
      return edit(state, {
        ...d,
        meta: { id: action.id ?? d.meta.id, name: action.name !== undefined ? action.name || undefined : d.meta.name, rest: action.rest ?? d.meta.rest },
      });
    case 'select':
      return {
        ...state,
        design: {
          ...d,
          nodes: d.nodes.map(n => (n.selected === (n.id === action.nodeId) ? n : { ...n, selected: n.id === action.nodeId })),
          edges: d.edges.map(e => (e.selected ? { ...e, selected: false } : e)),
        },
      };
    case 'problems':
      return { ...state, problems: action.problems };
    case 'run':
      return { ...state, run: action.run, runStatus: action.runStatus };
    case 'message':
      return { ...state, message: { text: action.text, error: action.error } };
    case 'flows':
      return { ...state, flows: action.flows };
  }
}

export interface Decorations {
  errors: Map<string, FlowProblem[]>;
  warnings: Map<string, FlowProblem[]>;
  runStatus: Record<string, NodeRunStatus>;
}

export const StoreContext = createContext<{ state: State; dispatch: Dispatch<Action> } | null>(null);
export const DescriptorsContext = createContext<Map<string, ActivityDescriptor>>(new Map());
export const DecorationsContext = createContext<Decorations>({ errors: new Map(), warnings: new Map(), runStatus: {} });

export function useStore() {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside the store provider');
  return store;
}
