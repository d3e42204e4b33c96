import { describe, expect, it } from 'vitest';
import { completeAt, scopeOf, type CompletionScope } from './completion';
import { fromFlowJson } from './flowJson';
import type { ActivityDescriptor, FlowJson } from '../types';

const descriptor = (type: string, outputs: string[]): ActivityDescriptor => ({
  type, category: 'Test', displayName: type, description: '', inputs: [], outcomes: ['done'], dynamicOutcomes: false,
  loopBodyOutcome: null, trigger: false, errorOutcomes: [], sideEffects: 'none',
  outputs: outputs.map(name => ({ name, displayName: name, description: '', type: 'any', secret: false })),
});

const design = fromFlowJson({
  format: 1,
  id: 'f',
  inputs: [{ name: 'who', type: 'string', label: 'Who' }, { name: 'count', type: 'integer' }],
  variables: [{ name: 'total', type: 'number' }],
  nodes: [
    { id: 'fetch', type: 'Http.SendRequest', ui: { x: 0, y: 0 } },
    { id: 'fetch.retry', type: 'Http.SendRequest', ui: { x: 0, y: 100 } },
    { id: 'mystery', type: 'Nope', ui: { x: 0, y: 200 } },
  ],
  connections: [],
});
const scope: CompletionScope = scopeOf(design, new Map([['Http.SendRequest', descriptor('Http.SendRequest', ['statusCode', 'body'])]]));
const labels = (text: string, pos = text.length) => completeAt(text, pos, scope)?.options.map(o => o.label);

describe('expression completion', () => {
  it('offers the declared flow inputs after input.', () => {
    expect(labels('input.')).toEqual(['who', 'count']);
    expect(completeAt('1 + input.wh', 12, scope)).toMatchObject({ from: 10 });
    expect(completeAt('input.', 6, scope)!.options[0]).toMatchObject({ detail: 'string', info: 'Who' });
  });

  it('offers the declared variables after vars.', () => {
    expect(labels('vars.')).toEqual(['total']);
  });

  it('offers the node ids after nodes., then that node\'s declared outputs', () => {
    expect(labels('JSON.stringify(nodes.')).toEqual(['fetch', 'mystery']);
    expect(labels('nodes.fetch.')).toEqual(['statusCode', 'body', 'error']);
    // A node id with a dot is never offered: nodes.fetch.retry reads fetch's 'retry', so it would not evaluate.
    expect(labels('nodes.fetch.retry.')).toBeUndefined();
    expect(labels('nodes.fetch.ret')).toEqual(['statusCode', 'body', 'error']);
    // An unknown activity still offers error.
    expect(labels('nodes.mystery.')).toEqual(['error']);
  });

  it('completes at the cursor, not at the end of the text, and inside templates', () => {
    expect(labels('input. + 1', 6)).toEqual(['who', 'count']);
    expect(labels('Hello {{ input.', 15)).toEqual(['who', 'count']);
  });

  it('offers the roots for a bare word and nothing past a known path or inside other names', () => {
    expect(labels('no')).toEqual(['nodes']);
    expect(labels('x + va')).toEqual(['vars']);
    expect(labels('input.who.')).toBeUndefined();
    expect(labels('myinput.')).toBeUndefined();
    expect(labels('other.')).toBeUndefined();
    expect(labels('')).toBeUndefined();
  });

  it('reads declarations as the flow holds them, skipping unnamed ones', () => {
    // An unnamed declaration is not a valid flow document, but the designer holds one while it is being typed.
    const d = fromFlowJson({ format: 1, id: 'g', inputs: [{ name: '' }, { type: 'string' }, { name: 'a' }], nodes: [], connections: [] } as FlowJson);
    expect(scopeOf(d, new Map()).inputs.map(i => i.name)).toEqual(['a']);
    expect(scopeOf(d, new Map()).variables).toEqual([]);
  });
});
