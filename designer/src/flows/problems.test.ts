import { describe, expect, it } from 'vitest';
import { inputMode, inputText, makeInputValue } from './inputs';
import { problemsByNode } from './problems';
import type { FlowJson, FlowProblem } from '../types';

const flow: FlowJson = { format: 1, id: 'f', nodes: [{ id: 'a', type: 'Log' }, { id: 'b', type: 'SetOutput' }], connections: [] };
const p = (path: string, severity: 'error' | 'warning', nodeId?: string): FlowProblem => ({ path, code: 'X', message: path, nodeId: nodeId ?? null, severity });

describe('validation problems on nodes', () => {
  it('uses nodeId, else the node index in the JSON path; flow-level problems map to no node', () => {
    const map = problemsByNode([p('$.nodes[1].inputs.name', 'error', 'b'), p('$.nodes[0].inputs.message', 'error'), p('$.nodes[0]', 'warning'), p('$.outputs[0]', 'error')], flow);
    expect([...map.keys()].sort()).toEqual(['a', 'b']);
    expect(map.get('a')!.errors.map(x => x.path)).toEqual(['$.nodes[0].inputs.message']);
    expect(map.get('a')!.warnings.map(x => x.path)).toEqual(['$.nodes[0]']);
    expect(map.get('b')!.errors).toHaveLength(1);
  });
});

describe('input values', () => {
  it('recognizes literal, JavaScript and template values', () => {
    expect(inputMode({ js: '1 + 1' })).toBe('js');
    expect(inputMode({ template: '{{ x }}' })).toBe('template');
    expect(inputMode({ js: 'x', other: 1 })).toBe('literal');
    expect(inputMode('text')).toBe('literal');
  });

  it('edits text inputs raw and others as JSON', () => {
    expect(inputText('hello', 'string')).toBe('hello');
    expect(inputText(42, 'integer')).toBe('42');
    expect(makeInputValue('literal', '42', 'integer')).toBe(42);
    expect(makeInputValue('literal', '42', 'string')).toBe('42');
    expect(makeInputValue('literal', '{"a":1}', 'object')).toEqual({ a: 1 });
    expect(makeInputValue('literal', 'not json', 'any')).toBe('not json');
    expect(makeInputValue('literal', '', 'string')).toBeUndefined();
    expect(makeInputValue('js', 'input.x', 'string')).toEqual({ js: 'input.x' });
    expect(makeInputValue('template', 'Hi {{ input.x }}', 'string')).toEqual({ template: 'Hi {{ input.x }}' });
  });
});
