// Flow JSON <-> designer model, pure (no React): nodes carry ui {x, y}; connections are "node:outcome" -> node.
import type { Edge, Node } from '@xyflow/react';
import { layoutDesign } from './layout';
import type { ConnectionJson, FlowJson, FlowNodeJson, Json } from './types';

export interface NodeData {
  type: string;
  inputs: Record<string, Json>;
  name?: string;
  description?: string;
  /** Fields of the node we do not edit, kept verbatim. */
  extra: Record<string, unknown>;
  /** ui fields other than x and y, kept verbatim. */
  uiExtra: Record<string, Json>;
  [key: string]: unknown;
}

export type DesignNode = Node<NodeData, 'activity'>;
export type DesignEdge = Edge;

export interface FlowMeta {
  id: string;
  name?: string;
  /** Every other top-level field (format, description, inputs, outputs, variables, start, card, ui, ...), in order. */
  rest: Record<string, unknown>;
}

export interface Design {
  meta: FlowMeta;
  nodes: DesignNode[];
  edges: DesignEdge[];
}

export const TARGET_HANDLE = 'in';
const GRID_X = 260;
const GRID_Y = 140;

export function edgeId(source: string, outcome: string, target: string): string {
  return `${source}:${outcome}->${target}`;
}

export function parseFrom(from: string): { node: string; outcome: string } {
  const at = from.lastIndexOf(':');
  return at < 0 ? { node: from, outcome: 'done' } : { node: from.slice(0, at), outcome: from.slice(at + 1) };
}

export function makeEdge(source: string, outcome: string, target: string): DesignEdge {
  return {
    id: edgeId(source, outcome, target),
    source,
    sourceHandle: outcome,
    target,
    targetHandle: TARGET_HANDLE,
    label: outcome === 'done' ? undefined : outcome,
    className: outcome === 'fault' ? 'edge-fault' : undefined,
  };
}

export function emptyDesign(id = 'new-flow'): Design {
  return { meta: { id, name: undefined, rest: { format: 1, inputs: [], outputs: [] } }, nodes: [], edges: [] };
}

export function fromFlowJson(flow: FlowJson): Design {
  const { id, name, nodes = [], connections = [], ...rest } = flow;
  const designNodes = nodes.map((node, index): DesignNode => {
    const { id: nodeId, type, name: nodeName, description, inputs, ui, ...extra } = node;
    const { x, y, ...uiExtra } = (ui ?? {}) as { [key: string]: Json };
    const position = typeof x === 'number' && typeof y === 'number'
      ? { x, y }
      : { x: (index % 4) * GRID_X, y: Math.floor(index / 4) * GRID_Y };
    const data: NodeData = { type, inputs: { ...(inputs ?? {}) }, extra, uiExtra };
    if (nodeName !== undefined) data.name = nodeName;
    if (description !== undefined) data.description = description;
    return { id: nodeId, type: 'activity', position, data };
  });
  const edges = connections.map(c => {
    const { node, outcome } = parseFrom(c.from);
    return makeEdge(node, outcome, c.to);
  });
  const design = { meta: { id, name, rest }, nodes: designNodes, edges };
  // A flow with no positions at all (hand-written, generated) is laid out along its connections.
  const positioned = nodes.some(n => typeof n.ui?.x === 'number' && typeof n.ui?.y === 'number');
  return positioned ? design : layoutDesign(design);
}

const TOP_ORDER = ['format', 'id', 'name', 'description', 'version', 'inputs', 'outputs', 'variables', 'start', 'nodes', 'connections'];

export function toFlowJson(design: Design): FlowJson {
  const nodes: FlowNodeJson[] = design.nodes.map(n => {
    const node: FlowNodeJson = { id: n.id, type: n.data.type };
    if (n.data.name !== undefined) node.name = n.data.name;
    if (n.data.description !== undefined) node.description = n.data.description;
    if (Object.keys(n.data.inputs).length > 0) node.inputs = n.data.inputs;
    Object.assign(node, n.data.extra);
    node.ui = { x: Math.round(n.position.x), y: Math.round(n.position.y), ...n.data.uiExtra };
    return node;
  });
  const connections: ConnectionJson[] = design.edges.map(e => ({ from: `${e.source}:${e.sourceHandle ?? 'done'}`, to: e.target }));
  const all: Record<string, unknown> = { ...design.meta.rest, id: design.meta.id, nodes, connections };
  if (design.meta.name !== undefined) all.name = design.meta.name;
  if (all.format === undefined) all.format = 1;
  const ordered: Record<string, unknown> = {};
  for (const key of TOP_ORDER) if (all[key] !== undefined) ordered[key] = all[key];
  for (const key of Object.keys(all)) if (!(key in ordered) && all[key] !== undefined) ordered[key] = all[key];
  return ordered as FlowJson;
}

/** A node id for a new node of this type, unique in the flow: setOutput1, setOutput2, ... */
export function newNodeId(type: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = (type.charAt(0).toLowerCase() + type.slice(1)).replace(/[^A-Za-z0-9_.-]/g, '') || 'node';
  for (let i = 1; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

export const NODE_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** Renames a node and every connection that names it; returns null when the id is taken or malformed. */
export function renameNode(design: Design, from: string, to: string): Design | null {
  if (from === to) return design;
  if (!NODE_ID_PATTERN.test(to) || design.nodes.some(n => n.id === to)) return null;
  return {
    ...design,
    nodes: design.nodes.map(n => (n.id === from ? { ...n, id: to } : n)),
    edges: design.edges.map(e => {
      if (e.source !== from && e.target !== from) return e;
      const source = e.source === from ? to : e.source;
      const target = e.target === from ? to : e.target;
      return makeEdge(source, e.sourceHandle ?? 'done', target);
    }),
  };
}

/** A flow id not in `taken`: the id itself when free, else id-2, id-3, ... */
export function freshFlowId(id: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(id)) return id;
  const stem = id.replace(/-\d+$/, '');
  for (let i = 2; ; i++) if (!used.has(`${stem}-${i}`)) return `${stem}-${i}`;
}
