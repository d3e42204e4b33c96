import { describe, expect, it } from 'vitest';
import { formatDuration, formToInputs, initialFormValues, nodeRuns, parseDuration } from './runView';
import type { JournalEntry } from '../types';

describe('run view', () => {
  it('reads .NET TimeSpan durations', () => {
    expect(parseDuration('00:00:00.0012345')).toBeCloseTo(1.2345, 6);
    expect(parseDuration('00:01:02.5')).toBe(62_500);
    expect(parseDuration('1.02:00:00')).toBe(26 * 3_600_000);
    expect(parseDuration('nonsense')).toBeUndefined();
    expect(parseDuration(undefined)).toBeUndefined();
    expect(formatDuration(0.42)).toBe('0.42 ms');
    expect(formatDuration(12.4)).toBe('12 ms');
    expect(formatDuration(1350)).toBe('1.35 s');
    expect(formatDuration(125_000)).toBe('2 min 5 s');
  });

  it('gives each node its status and total duration from the journal', () => {
    const journal: JournalEntry[] = [
      { nodeId: 'loop', outcome: 'iterate', duration: '00:00:00.0010000' },
      { nodeId: 'body', outcome: 'done', duration: '00:00:00.0020000' },
      { nodeId: 'body', outcome: 'done', duration: '00:00:00.0030000' },
      { nodeId: 'call', outcome: 'fault', error: 'boom', duration: '00:00:00.0100000' },
      { nodeId: 'wait', outcome: 'suspended', duration: '00:00:00' },
    ];
    const runs = nodeRuns(journal);
    expect(runs.loop).toEqual({ status: 'done', durationMs: 1, runs: 1 });
    expect(runs.body).toEqual({ status: 'done', durationMs: 5, runs: 2 });
    expect(runs.call.status).toBe('faulted');
    expect(runs.wait.status).toBe('suspended');
  });

  it('marks what the instance waits at as suspended, what it is about to run as running, and its fault', () => {
    const suspended = nodeRuns([{ nodeId: 'a', outcome: 'done' }], {
      status: 'suspended', waitingFor: [{ nodeId: 'approve', name: 'event', description: "event 'approval'" }], fault: null,
    });
    expect(suspended.approve).toEqual({ status: 'suspended', runs: 0 });
    expect(nodeRuns([], { status: 'running', waitingFor: [], pendingNodes: ['start'] }).start.status).toBe('running');
    expect(nodeRuns([], { status: 'finished', waitingFor: [], pendingNodes: ['start'] }).start).toBeUndefined();
    expect(nodeRuns([{ nodeId: 'x', outcome: 'done' }], { status: 'faulted', waitingFor: [], fault: { nodeId: 'x', message: 'no' } }).x.status).toBe('faulted');
  });

  it('turns the run form into the flow inputs by declared type, with errors naming the input', () => {
    const declared = [
      { name: 'who', type: 'string', required: true, label: 'Who' },
      { name: 'count', type: 'integer', default: 2 },
      { name: 'loud', type: 'boolean' },
      { name: 'method', type: 'string', options: [{ label: 'GET', value: 'GET' }] },
      { name: 'tags', type: 'array<string>' },
      { name: 'anything' },
    ];
    expect(initialFormValues(declared)).toEqual({ who: '', count: '2', loud: false, method: '', tags: '', anything: '' });
    expect(formToInputs(declared, { who: 'Ada', count: '3', loud: true, method: '"GET"', tags: '["a"]', anything: 'plain text' })).toEqual({
      inputs: { who: 'Ada', count: 3, loud: true, method: 'GET', tags: ['a'], anything: 'plain text' }, errors: [],
    });
    const bad = formToInputs(declared, { who: '', count: '2.5', loud: false, method: '', tags: '[a', anything: '' });
    expect(bad.errors[0]).toBe('Who is required');
    expect(bad.errors[1]).toBe("count: '2.5' is not an integer");
    expect(bad.errors[2]).toMatch(/^tags: not JSON/);
    expect(bad.inputs).toEqual({ loud: false });
  });
});
