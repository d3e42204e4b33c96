import { describe, expect, it } from 'vitest';
import { buildDecorations, DecorationStore } from './decorationStore';
import type { FlowProblem } from '../types';

const problem = (nodeId: string, message: string, severity: 'error' | 'warning' = 'error'): FlowProblem =>
  ({ path: `$.nodes`, code: 'X', message, nodeId, severity });

describe('per-node decorations', () => {
  it('notifies only the nodes whose decoration changed and keeps the others\' snapshots', () => {
    const store = new DecorationStore();
    const calls: string[] = [];
    for (const id of ['a', 'b', 'c']) store.subscribe(id, () => calls.push(id));
    const byNode = (list: FlowProblem[]) => new Map(['a', 'b', 'c'].map(id => [id, {
      errors: list.filter(p => p.nodeId === id && p.severity === 'error'), warnings: list.filter(p => p.nodeId === id && p.severity === 'warning'),
    }]));

    expect(store.set(buildDecorations(byNode([problem('a', 'bad')]), {}))).toEqual(['a']);
    const a = store.get('a');
    expect(a?.errors?.map(p => p.message)).toEqual(['bad']);

    // The same problem again (a new validation result), and a run status for b: only b changes.
    calls.length = 0;
    expect(store.set(buildDecorations(byNode([problem('a', 'bad')]), { b: { status: 'done', durationMs: 2, runs: 1 } }))).toEqual(['b']);
    expect(calls).toEqual(['b']);
    expect(store.get('a')).toBe(a);
    expect(store.get('b')?.run?.status).toBe('done');

    // Everything cleared: a and b are notified, c never was.
    calls.length = 0;
    store.set(buildDecorations(byNode([]), {}));
    expect(calls.sort()).toEqual(['a', 'b']);
    expect(store.get('a')).toBeUndefined();
  });

  it('stops notifying after unsubscribe', () => {
    const store = new DecorationStore();
    let count = 0;
    const stop = store.subscribe('a', () => count++);
    store.set(new Map([['a', { warnings: [problem('a', 'w', 'warning')] }]]));
    stop();
    store.set(new Map());
    expect(count).toBe(1);
  });
});
