// Copy/paste of nodes, pure: what is copied (selected nodes and the connections between them) and how a paste gets fresh ids.
import { fromFlowJson, makeEdge, toFlowJson, type Design, type DesignEdge, type DesignNode } from './flowJson';
import type { FlowJson } from '../types';

export interface Clip {
  nodes: DesignNode[];
  edges: DesignEdge[];
}

export const PASTE_OFFSET = 40;

/** The selected nodes and only the connections whose both ends are selected; null when nothing is selected. */
export function copySelection(design: Design): Clip | null {
  const nodes = design.nodes.filter(n => n.selected);
  if (!nodes.length) return null;
  const ids = new Set(nodes.map(n => n.id));
  return { nodes, edges: design.edges.filter(e => ids.has(e.source) && ids.has(e.target)) };
}

/** The clip as flow JSON text (for the system clipboard). */
export function clipText(clip: Clip, meta: Design['meta']): string {
  const { nodes, connections } = toFlowJson({ meta, nodes: clip.nodes, edges: clip.edges });
  return JSON.stringify({ nodes, connections }, null, 2);
}

/** A fresh id from an id: log1 -> log2 (the first free number), keeping its stem. */
function freshId(id: string, used: Set<string>): string {
  const stem = id.replace(/\d+$/, '') || 'node';
  for (let i = 1; ; i++) if (!used.has(`${stem}${i}`)) return `${stem}${i}`;
}

/**
 * The clip's nodes with ids unique among `taken`, moved by `offset`, and its connections remapped to them. With
 * `keepFreeIds` (a clip from another tab) an id not taken stays as it is, so its expressions still read nodes.<id>.
 */
export function pasteClip(clip: Clip, taken: Iterable<string>, offset = PASTE_OFFSET, keepFreeIds = false): Clip {
  const used = new Set(taken);
  const kept = new Set(keepFreeIds ? clip.nodes.map(n => n.id).filter(id => !used.has(id)) : []);
  for (const id of kept) used.add(id);
  const ids = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = kept.has(n.id) ? n.id : freshId(n.id, used);
    used.add(id);
    ids.set(n.id, id);
  }
  const nodes = clip.nodes.map((n): DesignNode => ({
    id: ids.get(n.id)!,
    type: n.type,
    position: { x: n.position.x + offset, y: n.position.y + offset },
    data: structuredClone(n.data),
    selected: true,
  }));
  const edges = clip.edges
    .filter(e => ids.has(e.source) && ids.has(e.target))
    .map(e => makeEdge(ids.get(e.source)!, e.sourceHandle ?? 'done', ids.get(e.target)!));
  return { nodes, edges };
}

/** What the system clipboard holds: a whole flow (format, id, nodes), a clip of nodes (nodes, connections), or neither. */
export type ClipboardContent = { kind: 'flow'; flow: FlowJson } | { kind: 'clip'; clip: Clip } | null;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Reads clipboard text as flow JSON; null for anything else (plain text, JSON that is not a flow or clip). */
export function parseClipboard(text: string): ClipboardContent {
  const trimmed = text.trim();
  if (!trimmed.startsWith('{')) return null;
  let value: unknown;
  try { value = JSON.parse(trimmed); } catch { return null; }
  if (!isObject(value) || !Array.isArray(value.nodes)) return null;
  const nodes = value.nodes as unknown[];
  if (!nodes.every(n => isObject(n) && typeof n.id === 'string' && typeof n.type === 'string')) return null;
  const connections = value.connections ?? [];
  if (!Array.isArray(connections) || !connections.every(c => isObject(c) && typeof c.from === 'string' && typeof c.to === 'string')) return null;
  if (typeof value.id === 'string' && value.format !== undefined) return { kind: 'flow', flow: { ...value, connections } as FlowJson };
  if (!nodes.length) return null;
  const design = fromFlowJson({ format: 1, id: 'clip', nodes: nodes as FlowJson['nodes'], connections: connections as FlowJson['connections'] });
  const ids = new Set(design.nodes.map(n => n.id));
  return { kind: 'clip', clip: { nodes: design.nodes, edges: design.edges.filter(e => ids.has(e.source) && ids.has(e.target)) } };
}
