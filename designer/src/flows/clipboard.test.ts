import { describe, expect, it } from 'vitest';
import { clipText, copySelection, parseClipboard, pasteClip, type Clip } from './clipboard';
import { makeEdge, type Design, type DesignNode } from './flowJson';

const node = (id: string, selected = false, x = 0): DesignNode => ({
  id, type: 'activity', position: { x, y: 10 }, selected, data: { type: 'Log', inputs: { message: 'hi' }, extra: {}, uiExtra: {} },
});

const design: Design = {
  meta: { id: 'f', rest: {} },
  nodes: [node('log1', true), node('log2', true, 100), node('setOutput1')],
  edges: [makeEdge('log1', 'done', 'log2'), makeEdge('log2', 'done', 'setOutput1'), makeEdge('setOutput1', 'fault', 'log1')],
};

describe('copySelection', () => {
  it('copies the selected nodes and only the connections between them', () => {
    const clip = copySelection(design)!;
    expect(clip.nodes.map(n => n.id)).toEqual(['log1', 'log2']);
    expect(clip.edges.map(e => e.id)).toEqual(['log1:done->log2']);
  });

  it('copies nothing when nothing is selected', () => {
    expect(copySelection({ ...design, nodes: design.nodes.map(n => ({ ...n, selected: false })) })).toBeNull();
  });
});

describe('pasteClip', () => {
  it('gives fresh unique ids, remaps connections and offsets positions by 40', () => {
    const pasted = pasteClip(copySelection(design)!, design.nodes.map(n => n.id));
    expect(pasted.nodes.map(n => n.id)).toEqual(['log3', 'log4']);
    expect(pasted.nodes.map(n => n.position)).toEqual([{ x: 40, y: 50 }, { x: 140, y: 50 }]);
    expect(pasted.nodes.every(n => n.selected)).toBe(true);
    expect(pasted.edges).toEqual([makeEdge('log3', 'done', 'log4')]);
  });

  it('deep-copies node data so editing the paste leaves the original alone', () => {
    const pasted = pasteClip(copySelection(design)!, ['log1', 'log2']);
    expect(pasted.nodes[0].data).toEqual(design.nodes[0].data);
    expect(pasted.nodes[0].data.inputs).not.toBe(design.nodes[0].data.inputs);
  });

  it('drops connections to nodes outside the clip and pasting twice never reuses an id', () => {
    const clip = { nodes: [node('a7')], edges: [makeEdge('a7', 'done', 'gone')] };
    const first = pasteClip(clip, ['a7']);
    expect(first.edges).toEqual([]);
    const second = pasteClip(clip, ['a7', ...first.nodes.map(n => n.id)]);
    expect(second.nodes[0].id).not.toBe(first.nodes[0].id);
  });
});

describe('parseClipboard', () => {
  it('reads a clip copied from another designer tab, keeping ids that are free', () => {
    const text = clipText(copySelection(design)!, design.meta);
    const content = parseClipboard(text);
    expect(content?.kind).toBe('clip');
    const clip = (content as { kind: 'clip'; clip: Clip }).clip;
    expect(clip.nodes.map(n => [n.id, n.position, n.data.inputs])).toEqual([['log1', { x: 0, y: 10 }, { message: 'hi' }], ['log2', { x: 100, y: 10 }, { message: 'hi' }]]);
    expect(clip.edges.map(e => e.id)).toEqual(['log1:done->log2']);
    const pasted = pasteClip(clip, ['log1', 'other'], 40, true);
    expect(pasted.nodes.map(n => n.id)).toEqual(['log3', 'log2']);
    expect(pasted.edges.map(e => e.id)).toEqual(['log3:done->log2']);
  });

  it('reads a whole flow', () => {
    const flow = { format: 1, id: 'hello', nodes: [{ id: 'a', type: 'Log' }], connections: [] };
    expect(parseClipboard(`  ${JSON.stringify(flow)}\n`)).toEqual({ kind: 'flow', flow });
  });

  it('ignores text that is not flow JSON', () => {
    for (const text of ['hello', '{ not json', '[1,2]', '{"nodes": [{"id": 1}]}', '{"nodes": []}', '{"nodes": [{"id":"a","type":"Log"}], "connections": [{"from": 3}]}', '{"a": 1}'])
      expect(parseClipboard(text)).toBeNull();
  });
});
