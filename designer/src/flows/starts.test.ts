import { describe, expect, it } from 'vitest';
import { fromFlowJson } from './flowJson';
import { notConnectedNodes } from './starts';
import type { ActivityDescriptor, FlowJson } from '../types';

const d = (type: string, trigger = false): ActivityDescriptor => ({
  type, category: 'T', displayName: type, description: '', inputs: [], outputs: [], outcomes: ['done'], dynamicOutcomes: false, trigger,
  loopBodyOutcome: null, errorOutcomes: [], sideEffects: 'none',
});
const descriptors = new Map([['Http.Endpoint', d('Http.Endpoint', true)], ['Log', d('Log')], ['Return', d('Return')]]);
const flow = (nodes: [string, string, number][], connections: [string, string][], start?: string): FlowJson => ({
  format: 1, id: 'f', ...(start ? { start } : {}),
  nodes: nodes.map(([id, type, x]) => ({ id, type, ui: { x, y: 0 } })),
  connections: connections.map(([from, to]) => ({ from, to })),
});

describe('not connected nodes', () => {
  it('marks the second start node after a deleted connection, not the first', () => {
    const design = fromFlowJson(flow([['fetch', 'Log', 0], ['shape', 'Log', 300], ['done', 'Return', 600]], [['shape:done', 'done']]));
    expect([...notConnectedNodes(design, descriptors)]).toEqual(['shape']);
  });

  it('marks every plain start node beside a trigger, never the trigger', () => {
    const design = fromFlowJson(flow([['log', 'Log', 0], ['hook', 'Http.Endpoint', 300], ['done', 'Return', 600]], [['hook:done', 'done']]));
    expect([...notConnectedNodes(design, descriptors)]).toEqual(['log']);
  });

  it('marks nothing in a connected flow or with an explicit start', () => {
    expect(notConnectedNodes(fromFlowJson(flow([['a', 'Log', 0], ['b', 'Log', 300]], [['a:done', 'b']])), descriptors).size).toBe(0);
    expect(notConnectedNodes(fromFlowJson(flow([['a', 'Log', 0], ['b', 'Log', 300]], [], 'a')), descriptors).size).toBe(0);
  });
});
