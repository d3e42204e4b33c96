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

/** The outcome handles of a node, top to bottom, as the canvas draws them (ActivityNode's nodeOutcomes). */
export type OutcomesOf = (node: Design['nodes'][number]) => string[];

/** Geometry of ActivityNode: handles spread evenly down the right edge, the input in the middle of the left edge. */
function portY(height: number, index: number, count: number): number {
  return ((index + 1) * height) / (count + 1);
}

/**
 * Layered left-to-right layout (elkjs): nodes in layers along the connections, each node's outcome ports kept in
 * the order the node shows them, crossings minimized, and room between layers for the outcome labels (drawn
 * just right of the handle they leave). Returns the design with new positions; everything else is kept.
 */
export async function elkLayout(design: Design, outcomesOf: OutcomesOf): Promise<Design> {
  if (design.nodes.length === 0) return design;
  const { default: ELK } = await import('elkjs/lib/elk.bundled.js');
  const elk = new ELK();
  const ids = new Set(design.nodes.map(n => n.id));
  const size = new Map<string, { width: number; height: number }>();
  const children = design.nodes.map(n => {
    const outcomes = outcomesOf(n);
    const width = n.measured?.width ?? n.width ?? DEFAULT_WIDTH;
    const height = n.measured?.height ?? n.height ?? Math.max(DEFAULT_HEIGHT, 22 * outcomes.length + 14);
    size.set(n.id, { width, height });
    return {
      id: n.id, width, height,
      layoutOptions: { 'elk.portConstraints': 'FIXED_POS' },
      ports: [
        { id: `${n.id}:in`, x: 0, y: height / 2, width: 1, height: 1, layoutOptions: { 'elk.port.side': 'WEST' } },
        ...outcomes.map((_o, i) => ({
          id: `${n.id}:out:${i}`, x: width - 1, y: portY(height, i, outcomes.length), width: 1, height: 1,
          layoutOptions: { 'elk.port.side': 'EAST', 'elk.port.index': String(i) },
        })),
      ],
    };
  });
  const edges = design.edges
    .filter(e => ids.has(e.source) && ids.has(e.target))
    .map(e => {
      const outcome = e.sourceHandle ?? 'done';
      const index = outcomesOf(design.nodes.find(n => n.id === e.source)!).indexOf(outcome);
      return { id: e.id, sources: [index >= 0 ? `${e.source}:out:${index}` : e.source], targets: [`${e.target}:in`] };
    });
  const laid = await elk.layout({
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '110',
      'elk.spacing.nodeNode': '36',
      'elk.spacing.componentComponent': '60',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.strategy': 'LAYER_SWEEP',
      'elk.layered.considerModelOrder.strategy': 'NODES_AND_EDGES',
      'elk.separateConnectedComponents': 'true',
    },
    children,
    edges,
  });
  const at = new Map((laid.children ?? []).map(c => [c.id, { x: Math.round(c.x ?? 0), y: Math.round(c.y ?? 0) }]));
  return { ...design, nodes: design.nodes.map(n => ({ ...n, position: at.get(n.id) ?? n.position })) };
}
