import { describe, expect, it } from 'vitest';
import { makeEdge, type Design, type DesignNode } from './flowJson';
import { elkLayout, layoutDesign } from './layout';

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

describe('elkLayout', () => {
  const outcomes = (n: DesignNode) => (n.id === 'check' ? ['true', 'false', 'fault'] : ['done', 'fault']);

  it('puts a chain left to right', async () => {
    const laid = await elkLayout(design(['c', 'a', 'b'], [['a', 'done', 'b'], ['b', 'done', 'c']]), outcomes);
    const x = Object.fromEntries(laid.nodes.map(n => [n.id, n.position.x]));
    expect(x.a).toBeLessThan(x.b);
    expect(x.b).toBeLessThan(x.c);
  });

  it('keeps the ports in the order the node shows them: the first outcome\'s node above the second\'s', async () => {
    // Declared in the "wrong" order on purpose: the port order decides, not the node order.
    const laid = await elkLayout(design(['no', 'yes', 'check'], [['check', 'false', 'no'], ['check', 'true', 'yes']]), outcomes);
    const at = Object.fromEntries(laid.nodes.map(n => [n.id, n.position]));
    expect(at.yes.y).toBeLessThan(at.no.y);
    expect(at.yes.x).toBeGreaterThan(at.check.x);
  });

  it('leaves room between layers and never overlaps two nodes', async () => {
    const ids = ['s', 'a', 'b', 'c', 'd', 'e'];
    const laid = await elkLayout(design(ids, [['s', 'done', 'a'], ['s', 'done', 'b'], ['a', 'done', 'c'], ['b', 'done', 'c'], ['s', 'done', 'd'], ['d', 'done', 'e'], ['c', 'done', 'e']]), outcomes);
    const boxes = laid.nodes.map(n => ({ id: n.id, ...n.position, w: 200, h: 70 }));
    for (const p of boxes) for (const q of boxes) {
      if (p.id >= q.id) continue;
      const overlap = p.x < q.x + q.w && q.x < p.x + p.w && p.y < q.y + q.h && q.y < p.y + p.h;
      expect(overlap, `${p.id} and ${q.id} overlap`).toBe(false);
    }
    const x = Object.fromEntries(boxes.map(b => [b.id, b.x]));
    expect(x.a - x.s).toBeGreaterThanOrEqual(200 + 100);
  });

  it('tolerates cycles, dangling edges and unknown outcomes, and keeps everything but positions', async () => {
    const d = design(['a', 'b'], [['a', 'done', 'b'], ['b', 'done', 'a'], ['a', 'done', 'ghost'], ['a', 'weird', 'b']]);
    const laid = await elkLayout(d, outcomes);
    expect(laid.edges).toBe(d.edges);
    expect(laid.nodes[0].data).toBe(d.nodes[0].data);
    expect(new Set(laid.nodes.map(n => `${n.position.x},${n.position.y}`)).size).toBe(2);
  });
});
