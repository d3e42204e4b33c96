import { describe, expect, it } from 'vitest';
import { addDeclaration, moveDeclaration, parseValue, removeDeclaration, setField, validateDeclarations, valueText, type Declaration } from './declarations';
import { fromFlowJson, toFlowJson } from './flowJson';
import type { FlowJson } from '../types';

describe('flow declarations', () => {
  const full: Declaration[] = [
    { name: 'method', type: 'string', label: 'Method', description: 'HTTP method', required: true, secret: false,
      default: 'GET', options: [{ label: 'GET', value: 'GET' }, { label: 'POST', value: 'POST' }] },
    { name: 'token', type: 'string', secret: true },
  ];

  it('round-trips every field a declaration may have through the designer model', () => {
    const flow = { format: 1 as const, id: 'f', inputs: full, outputs: [{ name: 'out', type: 'array<object>' }], variables: [{ name: 'n', type: 'integer', default: 0 }], nodes: [], connections: [] };
    expect(toFlowJson(fromFlowJson(flow as FlowJson))).toEqual(flow);
  });

  it('sets one field and keeps the others; clearing a field removes it', () => {
    const labelled = setField(full, 0, 'label', 'Verb');
    expect(labelled[0]).toEqual({ ...full[0], label: 'Verb' });
    expect(Object.keys(labelled[0])).toEqual(Object.keys(full[0]));
    expect(labelled[1]).toBe(full[1]);
    expect('label' in setField(full, 0, 'label', '')[0]).toBe(false);
    expect('required' in setField(full, 0, 'required', false)[0]).toBe(false);
    expect(setField(full, 1, 'default', 5)[1]).toEqual({ name: 'token', type: 'string', secret: true, default: 5 });
  });

  it('adds with a fresh name, removes and reorders', () => {
    const added = addDeclaration([{ name: 'input1' }], 'inputs');
    expect(added[1]).toEqual({ name: 'input2', type: 'string' });
    expect(addDeclaration([], 'variables')[0].name).toBe('variable1');
    // An output holds whatever the flow computes: a list result must not fault at Return.
    expect(addDeclaration([], 'outputs')[0]).toEqual({ name: 'output1', type: 'any' });
    expect(removeDeclaration(full, 0)).toEqual([full[1]]);
    expect(moveDeclaration(full, 0, 1).map(d => d.name)).toEqual(['token', 'method']);
    expect(moveDeclaration(full, 0, -1)).toBe(full);
  });

  it('shows and parses defaults by type', () => {
    expect(valueText('GET', 'string')).toBe('GET');
    expect(valueText(3, 'integer')).toBe('3');
    expect(parseValue('3', 'integer')).toBe(3);
    expect(parseValue('3', 'string')).toBe('3');
    expect(parseValue('[1, 2]', 'array')).toEqual([1, 2]);
    expect(parseValue('', 'string')).toBeUndefined();
  });

  it('reports every problem with the declaration and field it is about', () => {
    const problems = validateDeclarations([
      { name: 'a', type: 'string' },
      { name: 'a', type: 'strin' },
      { name: '', type: 'integer', default: 1.5 },
      { name: 'b c', type: 'integer', options: [{ label: 'x' }, { label: 'one', value: 'one' }] },
    ], 'inputs');
    expect(problems.map(p => p.message)).toEqual([
      "inputs[1].name: 'a' is declared twice (also at 0)",
      "inputs[1].type: 'strin' is not a type (string, number, integer, boolean, datetime, object, any, array or array<T>)",
      'inputs[2].name: a name is required',
      'inputs[2].default: 1.5 does not fit type integer',
      "inputs[3].name: 'b c' is not usable as input.<name>: letters, digits, _ and $, not starting with a digit",
      'inputs[3].options: option 1 needs a value',
      'inputs[3].options: option 2\'s value "one" does not fit type integer',
    ]);
    expect(validateDeclarations([{ name: 'v', label: 'V' }], 'variables').map(p => p.field)).toEqual(['label']);
    expect(validateDeclarations(full, 'inputs')).toEqual([]);
  });
});
