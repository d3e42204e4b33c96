// Maps validation problems to designer nodes, pure.
import type { FlowProblem, FlowJson } from '../types';

export interface NodeProblems {
  errors: FlowProblem[];
  warnings: FlowProblem[];
}

/** The node a problem is about: its nodeId, else the node its JSON path points into ($.nodes[3]... or $.connections[i] -> target). */
export function problemNode(problem: FlowProblem, flow: FlowJson): string | undefined {
  if (problem.nodeId) return problem.nodeId;
  const node = /^\$\.nodes\[(\d+)\]/.exec(problem.path ?? '');
  if (node) return flow.nodes[Number(node[1])]?.id;
  return undefined;
}

export function problemsByNode(problems: FlowProblem[], flow: FlowJson): Map<string, NodeProblems> {
  const map = new Map<string, NodeProblems>();
  for (const p of problems) {
    const id = problemNode(p, flow);
    if (!id) continue;
    let entry = map.get(id);
    if (!entry) map.set(id, (entry = { errors: [], warnings: [] }));
    (p.severity === 'warning' ? entry.warnings : entry.errors).push(p);
  }
  return map;
}
