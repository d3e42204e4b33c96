// Flow JSON <-> designer model, pure (no React): nodes carry ui {x, y}; connections are "node:outcome" -> node.
import type { Edge, Node } from '@xyflow/react';
import { layoutDesign } from './layout';
import type { ConnectionJson, FlowJson, FlowNodeJson, Json } from '../types';

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
    // Input values are any JSON (the document types them unknown); the designer edits them as Json.
    const data: NodeData = { type, inputs: { ...(inputs ?? {}) } as Record<string, Json>, extra, uiExtra };
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

/** A JavaScript identifier: what `nodes.<id>` can use as written. */
export const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** camelCase identifier from a display name or type: "Send HTTP Request" → sendHttpRequest, "custom-api-action" → customApiAction. */
export function identifierFrom(text: string): string {
  const words = text.split(/[^A-Za-z0-9]+/).filter(Boolean);
  const id = words.map((w, i) => {
    const word = w === w.toUpperCase() ? w.toLowerCase() : w;
    return i === 0 ? word.charAt(0).toLowerCase() + word.slice(1) : word.charAt(0).toUpperCase() + word.slice(1);
  }).join('');
  return /^[A-Za-z_]/.test(id) ? id : `node${id}`;
}

/** A node id for a new node, unique in the flow and an identifier: from "Send HTTP Request" sendHttpRequest1, sendHttpRequest2, ... */
export function newNodeId(name: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = identifierFrom(name);
  for (let i = 1; ; i++) if (!used.has(`${base}${i}`)) return `${base}${i}`;
}

export const NODE_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Rewrites `nodes.from` and `nodes["from"]` in JavaScript or template text to name `to` instead. */
export function renameReferences(code: string, from: string, to: string): string {
  const f = escapeRegExp(from);
  const pattern = new RegExp(`(?<![A-Za-z0-9_$.])nodes(?:(\\s*\\.\\s*)${f}(?![A-Za-z0-9_$])|\\s*\\[\\s*(["'])${f}\\2\\s*\\])`, 'g');
  return code.replace(pattern, (_m, dot: string | undefined) =>
    IDENTIFIER.test(to) ? `nodes${dot ?? '.'}${to}` : `nodes["${to}"]`);
}

/** The input value with every reference to node `from` rewritten; literal strings only when `code` (a JavaScript or template input). */
function renameInValue(value: Json, from: string, to: string, code: boolean): Json {
  if (typeof value === 'string') return code ? renameReferences(value, from, to) : value;
  if (Array.isArray(value)) return value.map(v => renameInValue(v, from, to, false));
  if (value && typeof value === 'object') {
    const keys = Object.keys(value);
    if (keys.length === 1 && (keys[0] === 'js' || keys[0] === 'template') && typeof value[keys[0]] === 'string')
      return { [keys[0]]: renameReferences(value[keys[0]] as string, from, to) };
    if (keys.length === 1 && keys[0] === 'literal') return value;
    const out: { [key: string]: Json } = {};
    for (const k of keys) out[k] = renameInValue(value[k], from, to, false);
    return out;
  }
  return value;
}

/**
 * Renames a node, every connection that names it and every reference to it in this flow's JavaScript and templates
 * (`codeInputs` says which literal inputs of a type hold code); returns null when the id is taken or malformed.
 */
export function renameNode(design: Design, from: string, to: string, codeInputs: (type: string) => ReadonlySet<string> = () => new Set()): Design | null {
  if (from === to) return design;
  if (!NODE_ID_PATTERN.test(to) || design.nodes.some(n => n.id === to)) return null;
  return {
    ...design,
    nodes: design.nodes.map(n => {
      const code = codeInputs(n.data.type);
      let changed = false;
      const inputs: Record<string, Json> = {};
      for (const [name, value] of Object.entries(n.data.inputs)) {
        inputs[name] = renameInValue(value, from, to, code.has(name));
        if (inputs[name] !== value && JSON.stringify(inputs[name]) !== JSON.stringify(value)) changed = true;
        else inputs[name] = value;
      }
      const data = changed ? { ...n.data, inputs } : n.data;
      return n.id === from ? { ...n, id: to, data } : changed ? { ...n, data } : n;
    }),
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
