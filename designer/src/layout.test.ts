import { describe, expect, it } from 'vitest';
import { makeEdge, type Design, type DesignNode } from './flowJson';
import { layoutDesign } from './layout';

const node = (id: string): DesignNode => ({ id, type: 'activity', position: { x: 0, y: 0 }, data: { type: 'Log', inputs: {}, extra: {}, uiExtra: {} } });
const design = (ids: string[], edges: [string, string, string][]): Design => ({
  meta: { id: 'f', rest: {} },
  nodes: ids.map(node),
  edges: edges.map(([s, o, t]) => makeEdge(s, o, t)),
});

describe('layoutDesign', () => {
  it('puts a chain a -> b -> c left to right', () => {
    const laid = layoutDesign(design(['c', 'a', 'b'], [['a', 'done', 'b'], ['b', 'done', 'c']]));
    const x = Object.fromEntries(laid.nodes.map(n => [n.id, n.position.x]));
    expect(x.a).toBeLessThan(x.b);
    expect(x.b).toBeLessThan(x.c);
  });

  it('gives two branches from one node different y, both right of it', () => {
    const laid = layoutDesign(design(['check', 'yes', 'no'], [['check', 'true', 'yes'], ['check', 'false', 'no']]));
    const at = Object.fromEntries(laid.nodes.map(n => [n.id, n.position]));
    expect(at.yes.y).not.toBe(at.no.y);
    expect(at.yes.x).toBeGreaterThan(at.check.x);
    expect(at.no.x).toBeGreaterThan(at.check.x);
  });

  it('keeps everything but positions, and tolerates cycles and dangling edges', () => {
    const d = design(['a', 'b'], [['a', 'done', 'b'], ['b', 'done', 'a'], ['a', 'done', 'ghost']]);
    const laid = layoutDesign(d);
    expect(laid.edges).toBe(d.edges);
    expect(laid.nodes.map(n => n.id)).toEqual(['a', 'b']);
    expect(laid.nodes[0].data).toBe(d.nodes[0].data);
    expect(new Set(laid.nodes.map(n => `${n.position.x},${n.position.y}`)).size).toBe(2);
  });

  it('leaves an empty design alone', () => {
    const d = design([], []);
    expect(layoutDesign(d)).toBe(d);
  });
});
