// All designer state in one reducer; nodes read descriptors and decorations from small, rarely-changing contexts.
import { applyEdgeChanges, applyNodeChanges, type Connection, type EdgeChange, type NodeChange } from '@xyflow/react';
import { createContext, useContext, type Dispatch } from 'react';
import { emptyDesign, makeEdge, renameNode, type Design, type DesignEdge, type DesignNode, type NodeData } from './flowJson';
import { layoutDesign } from './layout';
import { DecorationStore } from './decorationStore';
import type { NodeRun } from './runView';
import type { ActivityDescriptor, FlowProblem, FlowSummary, InstanceDetail, JournalEntry, Json, Pin } from '../types';

/** The run the canvas shows: the designer's last run, or a past instance opened from the list. */
export interface RunView {
  instance: InstanceDetail;
  journal: JournalEntry[];
}

export interface State {
  design: Design;
  /** Bumped on every edit of the flow (not on selection); drives live validation. */
  revision: number;
  descriptors: ActivityDescriptor[];
  problems: FlowProblem[];
  run?: RunView;
  runStatus: Record<string, NodeRun>;
  /** The stored version the canvas shows when it is not the latest (opened from the version history). */
  viewingVersion?: number;
  /** The revision last loaded or saved: the canvas has unsaved changes while revision differs. */
  savedRevision: number;
  message?: Message;
  /** Pinned node outputs of the draft: test runs use them instead of running the node. */
  pins: Record<string, Pin>;
  /** The published version's triggers run (undefined: the flow has no published version). */
  active?: boolean;
  /** The server did not answer the last check: a banner says so, validation shows nothing. */
  offline: boolean;
  /** Test steps since the last run: node id → its entry (newer than the run's). */
  steps: Record<string, JournalEntry>;
  /** The inputs of the last test run (test steps and previews use them). */
  lastInputs: Record<string, Json>;
  /** The node whose details overlay is open. */
  details?: string;
  flows?: FlowSummary[];
  /** Flow documents before each recorded edit, oldest first (at most HISTORY_LIMIT). */
  past: Design[];
  /** Flow documents undone, next redo first. */
  future: Design[];
  /** The coalescing key of the last recorded edit: typing into one input is one step, not one per key. */
  lastKey?: string;
  /** The design when the current node drag started; recorded as one step when the drag ends. */
  dragStart?: Design;
}

export const HISTORY_LIMIT = 100;

export type MessageLevel = 'success' | 'info' | 'warning' | 'error';
export interface Message { text: string; error?: boolean; level: MessageLevel; at: number }

/** The inputs of an activity type whose literal text is JavaScript or a template (Run JavaScript's code). */
export function codeInputsOf(descriptors: ActivityDescriptor[], type: string): Set<string> {
  const d = descriptors.find(x => x.type === type);
  return new Set((d?.inputs ?? []).filter(i => i.editor === 'javascript' || i.editor === 'template' || i.editor === 'javascript-expression').map(i => i.name));
}

export type Action =
  | { kind: 'descriptors'; descriptors: ActivityDescriptor[] }
  | { kind: 'load'; design: Design; version?: number; pins?: Record<string, Pin> }
  | { kind: 'nodesChange'; changes: NodeChange<DesignNode>[] }
  | { kind: 'edgesChange'; changes: EdgeChange[] }
  | { kind: 'connect'; connection: Connection }
  | { kind: 'addNode'; node: DesignNode; from?: { nodeId: string; outcome: string } }
  | { kind: 'positions'; positions: Record<string, { x: number; y: number }>; record: boolean }
  | { kind: 'setInput'; nodeId: string; name: string; value: Json | undefined }
  | { kind: 'patchNode'; nodeId: string; patch: Partial<Pick<NodeData, 'name' | 'description' | 'extra'>> }
  | { kind: 'renameNode'; from: string; to: string }
  | { kind: 'setMeta'; id?: string; name?: string; rest?: Record<string, unknown> }
  | { kind: 'select'; nodeId: string }
  | { kind: 'problems'; problems: FlowProblem[] }
  | { kind: 'run'; run?: RunView; runStatus: Record<string, NodeRun> }
  | { kind: 'message'; text: string; error?: boolean; level?: MessageLevel }
  | { kind: 'dismiss' }
  | { kind: 'pin'; nodeId: string; pin?: Pin }
  | { kind: 'pins'; pins: Record<string, Pin> }
  | { kind: 'active'; active?: boolean }
  | { kind: 'offline'; offline: boolean }
  | { kind: 'selectAll' }
  | { kind: 'step'; entry: JournalEntry }
  | { kind: 'lastInputs'; inputs: Record<string, Json> }
  | { kind: 'details'; nodeId?: string }
  | { kind: 'flows'; flows?: FlowSummary[] }
  | { kind: 'delete'; nodeIds: string[]; edgeIds: string[] }
  | { kind: 'paste'; nodes: DesignNode[]; edges: DesignEdge[] }
  | { kind: 'viewing'; version?: number }
  | { kind: 'saved'; revision: number }
  | { kind: 'layout' }
  | { kind: 'undo' }
  | { kind: 'redo' };

export const initialState: State = {
  design: emptyDesign(), revision: 0, savedRevision: 0, descriptors: [], problems: [], runStatus: {}, past: [], future: [], pins: {}, offline: false, steps: {}, lastInputs: {},
};

/** A recorded edit: the design before it goes on the undo stack (unless it continues the last edit with the same key). */
function edit(state: State, design: Design, options: { key?: string; before?: Design } = {}): State {
  const coalesce = options.key !== undefined && options.key === state.lastKey;
  const past = coalesce ? state.past : [...state.past, options.before ?? state.design].slice(-HISTORY_LIMIT);
  // The canvas's run badges describe the flow as it ran: an edit clears them (the run stays in the Run tab and node details).
  return { ...state, design, revision: state.revision + 1, past, future: [], lastKey: options.key, dragStart: undefined, runStatus: {} };
}

const samePositions = (a: Design, b: Design) =>
  a.nodes.length === b.nodes.length && a.nodes.every((n, i) => n.id === b.nodes[i].id && n.position.x === b.nodes[i].position.x && n.position.y === b.nodes[i].position.y);

const deselected = (d: Design): Design => ({
  ...d,
  nodes: d.nodes.map(n => (n.selected ? { ...n, selected: false } : n)),
  edges: d.edges.map(e => (e.selected ? { ...e, selected: false } : e)),
});

/** Edits since the flow was last loaded or saved (opening another flow would lose them). */
export const hasUnsavedChanges = (state: State) => state.revision !== state.savedRevision;

export function reducer(state: State, action: Action): State {
  const d = state.design;
  switch (action.kind) {
    case 'descriptors':
      return { ...state, descriptors: action.descriptors };
    case 'load':
      return {
        ...state, design: action.design, revision: state.revision + 1, problems: [], run: undefined, runStatus: {},
        past: [], future: [], lastKey: undefined, dragStart: undefined, viewingVersion: action.version,
        savedRevision: state.revision + 1, pins: action.pins ?? {}, steps: {}, details: undefined,
      };
    case 'nodesChange': {
      const nodes = applyNodeChanges(action.changes, d.nodes);
      const removed = new Set(action.changes.filter(c => c.type === 'remove').map(c => c.id));
      const edges = removed.size ? d.edges.filter(e => !removed.has(e.source) && !removed.has(e.target)) : d.edges;
      const next = { ...d, nodes, edges };
      if (action.changes.some(c => c.type === 'remove' || c.type === 'add')) return edit(state, next);
      if (action.changes.some(c => c.type === 'position' && c.dragging)) return { ...state, design: next, dragStart: state.dragStart ?? d };
      if (action.changes.some(c => c.type === 'position' && !c.dragging)) {
        const before = state.dragStart ?? d;
        return samePositions(before, next) ? { ...state, design: next, dragStart: undefined } : edit(state, next, { before });
      }
      return { ...state, design: next };
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
    case 'addNode': {
      // Added from a handle (the node picker): created and connected in one undo step.
      const from = action.from && d.nodes.some(n => n.id === action.from!.nodeId) ? action.from : undefined;
      return edit(state, {
        ...d,
        nodes: [...d.nodes.map(n => (n.selected ? { ...n, selected: false } : n)), { ...action.node, selected: true }],
        edges: from ? [...d.edges, makeEdge(from.nodeId, from.outcome, action.node.id)] : d.edges,
      });
    }
    case 'positions': {
      const nodes = d.nodes.map(n => (action.positions[n.id] ? { ...n, position: action.positions[n.id] } : n));
      // Laying out a flow that came without positions is not an edit; the Layout button is one (undoable).
      return action.record ? edit(state, { ...d, nodes }) : { ...state, design: { ...d, nodes } };
    }
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
      }, { key: `input:${action.nodeId}:${action.name}` });
    case 'patchNode':
      return edit(state, {
        ...d,
        nodes: d.nodes.map(n => (n.id === action.nodeId ? { ...n, data: { ...n.data, ...action.patch } } : n)),
      }, { key: `patch:${action.nodeId}:${Object.keys(action.patch).sort().join()}` });
    case 'renameNode': {
      const renamed = renameNode(d, action.from, action.to, type => codeInputsOf(state.descriptors, type));
      if (!renamed) return { ...state, message: { text: `'${action.to}' is taken or not a valid node id`, error: true, level: 'error', at: Date.now() } };
      const { [action.from]: pin, ...pins } = state.pins;
      return { ...edit(state, renamed), pins: pin ? { ...pins, [action.to]: pin } : state.pins };
    }
    case 'setMeta':
      return edit(state, {
        ...d,
        meta: { id: action.id ?? d.meta.id, name: action.name !== undefined ? action.name || undefined : d.meta.name, rest: action.rest ?? d.meta.rest },
      }, { key: `meta:${action.id !== undefined ? 'id' : ''}${action.name !== undefined ? 'name' : ''}${action.rest ? Object.keys(action.rest).filter(k => action.rest?.[k] !== d.meta.rest[k]).sort().join() : ''}` });
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
      // A new run supersedes earlier test steps.
      return { ...state, run: action.run, runStatus: action.runStatus, steps: action.run === state.run ? state.steps : {} };
    case 'message': {
      const level = action.level ?? (action.error ? 'error' : 'success');
      return { ...state, message: { text: action.text, error: level === 'error', level, at: Date.now() } };
    }
    case 'dismiss':
      return { ...state, message: undefined };
    case 'pin': {
      const pins = { ...state.pins };
      if (action.pin) pins[action.nodeId] = action.pin;
      else delete pins[action.nodeId];
      // A pin is part of the draft: it makes the canvas unsaved like an edit, without an undo step.
      return { ...state, pins, revision: state.revision + 1 };
    }
    case 'pins':
      return { ...state, pins: action.pins };
    case 'active':
      return { ...state, active: action.active };
    case 'offline':
      return state.offline === action.offline ? state : { ...state, offline: action.offline };
    case 'step':
      return { ...state, steps: { ...state.steps, [action.entry.nodeId]: action.entry } };
    case 'lastInputs':
      return { ...state, lastInputs: action.inputs };
    case 'details':
      return { ...state, details: action.nodeId };
    case 'selectAll':
      return {
        ...state,
        design: { ...d, nodes: d.nodes.map(n => (n.selected ? n : { ...n, selected: true })), edges: d.edges.map(e => (e.selected ? e : { ...e, selected: true })) },
      };
    case 'flows':
      return { ...state, flows: action.flows };
    case 'delete': {
      const nodeIds = new Set(action.nodeIds);
      const edgeIds = new Set(action.edgeIds);
      const nodes = d.nodes.filter(n => !nodeIds.has(n.id));
      const edges = d.edges.filter(e => !edgeIds.has(e.id) && !nodeIds.has(e.source) && !nodeIds.has(e.target));
      if (nodes.length === d.nodes.length && edges.length === d.edges.length) return state;
      return edit(state, { ...d, nodes, edges });
    }
    case 'paste': {
      if (!action.nodes.length) return state;
      const base = deselected(d);
      return edit(state, {
        ...base,
        nodes: [...base.nodes, ...action.nodes.map(n => ({ ...n, selected: true }))],
        edges: [...base.edges, ...action.edges.map(e => ({ ...e, selected: false }))],
      });
    }
    case 'viewing':
      return { ...state, viewingVersion: action.version };
    case 'saved':
      return { ...state, savedRevision: action.revision };
    case 'layout':
      return d.nodes.length ? edit(state, layoutDesign(d)) : state;
    case 'undo': {
      const previous = state.past.at(-1);
      if (!previous) return state;
      return {
        ...state, design: previous, revision: state.revision + 1, past: state.past.slice(0, -1),
        future: [d, ...state.future], lastKey: undefined, dragStart: undefined,
      };
    }
    case 'redo': {
      const [next, ...future] = state.future;
      if (!next) return state;
      return {
        ...state, design: next, revision: state.revision + 1, past: [...state.past, d].slice(-HISTORY_LIMIT),
        future, lastKey: undefined, dragStart: undefined,
      };
    }
  }
}

export const StoreContext = createContext<{ state: State; dispatch: Dispatch<Action> } | null>(null);
export const DescriptorsContext = createContext<Map<string, ActivityDescriptor>>(new Map());
/** Evaluates a JavaScript or template input against the last run's data (null: no run data to preview against). */
export const PreviewContext = createContext<((expression: { js: string } | { template: string }) => Promise<{ value?: Json; error?: string }>) | null>(null);
/** The ids of the pinned nodes (a new set only when the pins change). */
export const PinnedContext = createContext<ReadonlySet<string>>(new Set());
/** Per-node decorations (what ActivityNode reads): a stable store, so the context itself never changes. */
export const DecorationStoreContext = createContext<DecorationStore>(new DecorationStore());

export function useStore() {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useStore outside the store provider');
  return store;
}
