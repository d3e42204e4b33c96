// What each node shows besides its data (problems, run status), kept per node: a change notifies only the nodes
// whose decoration changed, so a validation result or a run does not re-render all 500 nodes of a large flow.
import type { NodeRun } from './runView';
import type { FlowProblem } from '../types';

export interface NodeDecoration {
  errors?: FlowProblem[];
  warnings?: FlowProblem[];
  run?: NodeRun;
  /** No incoming connection, not a trigger, and another node starts the flow: it would run on its own. */
  notConnected?: boolean;
}

const problemsKey = (list: FlowProblem[] | undefined) => (list ? list.map(p => `${p.path}\u0000${p.message}`).join('\u0001') : '');
const runKey = (run: NodeRun | undefined) => (run ? `${run.status}|${run.durationMs ?? ''}|${run.runs}` : '');

export function sameDecoration(a: NodeDecoration | undefined, b: NodeDecoration | undefined): boolean {
  return problemsKey(a?.errors) === problemsKey(b?.errors)
    && problemsKey(a?.warnings) === problemsKey(b?.warnings)
    && runKey(a?.run) === runKey(b?.run)
    && !!a?.notConnected === !!b?.notConnected;
}

export class DecorationStore {
  private current = new Map<string, NodeDecoration>();
  private listeners = new Map<string, Set<() => void>>();

  /** The node's decoration; the same object until it changes (a useSyncExternalStore snapshot). */
  get = (nodeId: string): NodeDecoration | undefined => this.current.get(nodeId);

  subscribe = (nodeId: string, listener: () => void): (() => void) => {
    let set = this.listeners.get(nodeId);
    if (!set) this.listeners.set(nodeId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (!set.size) this.listeners.delete(nodeId);
    };
  };

  /** Replaces every decoration; returns the ids of the nodes whose decoration changed (and notifies only them). */
  set(next: Map<string, NodeDecoration>): string[] {
    const changed: string[] = [];
    for (const [id, decoration] of next) {
      const previous = this.current.get(id);
      if (sameDecoration(previous, decoration)) next.set(id, previous!);
      else changed.push(id);
    }
    for (const id of this.current.keys()) if (!next.has(id)) changed.push(id);
    this.current = next;
    for (const id of changed) this.listeners.get(id)?.forEach(listener => listener());
    return changed;
  }
}

/** Each node's decoration from the problems by node and the run statuses. */
export function buildDecorations(
  byNode: Map<string, { errors: FlowProblem[]; warnings: FlowProblem[] }>, runs: Record<string, NodeRun>,
  notConnected: ReadonlySet<string> = new Set(),
): Map<string, NodeDecoration> {
  const result = new Map<string, NodeDecoration>();
  for (const [id, p] of byNode) {
    if (!p.errors.length && !p.warnings.length) continue;
    result.set(id, { errors: p.errors.length ? p.errors : undefined, warnings: p.warnings.length ? p.warnings : undefined });
  }
  for (const [id, run] of Object.entries(runs)) result.set(id, { ...result.get(id), run });
  for (const id of notConnected) result.set(id, { ...result.get(id), notConnected: true });
  return result;
}
