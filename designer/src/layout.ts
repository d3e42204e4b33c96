// Automatic left-to-right layout along the connections (dagre), pure: returns the design with new node positions.
import dagre from '@dagrejs/dagre';
import type { Design } from './flowJson';

const DEFAULT_WIDTH = 200;
const DEFAULT_HEIGHT = 70;

export interface LayoutOptions {
  /** Horizontal gap between ranks. */
  rankSep?: number;
  /** Vertical gap between nodes of one rank. */
  nodeSep?: number;
}

/** Positions every node (top-left corner, as React Flow wants it) so connections run left to right. */
export function layoutDesign(design: Design, options: LayoutOptions = {}): Design {
  if (design.nodes.length === 0) return design;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', ranksep: options.rankSep ?? 80, nodesep: options.nodeSep ?? 40, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  const size = new Map<string, { width: number; height: number }>();
  for (const n of design.nodes) {
    const s = { width: n.measured?.width ?? n.width ?? DEFAULT_WIDTH, height: n.measured?.height ?? n.height ?? DEFAULT_HEIGHT };
    size.set(n.id, s);
    g.setNode(n.id, { ...s });
  }
  for (const e of design.edges) {
    if (g.hasNode(e.source) && g.hasNode(e.target) && e.source !== e.target) g.setEdge(e.source, e.target, {}, e.id);
  }
  dagre.layout(g);
  return {
    ...design,
    nodes: design.nodes.map(n => {
      const p = g.node(n.id);
      const s = size.get(n.id)!;
      return { ...n, position: { x: Math.round(p.x - s.width / 2), y: Math.round(p.y - s.height / 2) } };
    }),
  };
}
