// Copy/paste of nodes, pure: what is copied (selected nodes and the connections between them) and how a paste gets fresh ids.
import { makeEdge, toFlowJson, type Design, type DesignEdge, type DesignNode } from './flowJson';

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

/** The clip's nodes with ids unique among `taken`, moved by `offset`, and its connections remapped to them. */
export function pasteClip(clip: Clip, taken: Iterable<string>, offset = PASTE_OFFSET): Clip {
  const used = new Set(taken);
  const ids = new Map<string, string>();
  for (const n of clip.nodes) {
    const id = freshId(n.id, used);
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
