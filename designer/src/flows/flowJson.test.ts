import { describe, expect, it } from 'vitest';
import { freshFlowId, fromFlowJson, newNodeId, renameNode, renameReferences, toFlowJson } from './flowJson';
import type { FlowJson } from '../types';

const greet: FlowJson = {
  format: 1,
  id: 'greet',
  name: 'Greet',
  inputs: [{ name: 'who', type: 'string', label: 'Who', required: true }],
  outputs: [{ name: 'greeting', type: 'string' }],
  nodes: [
    { id: 'check', type: 'If', inputs: { condition: { js: 'input.who.length > 0' } }, ui: { x: 0, y: 0 } },
    { id: 'hello', type: 'SetOutput', name: 'Say hello', inputs: { name: 'greeting', value: { template: 'Hello {{ input.who }}!' } }, ui: { x: 260, y: -40, collapsed: true } },
    { id: 'oops', type: 'Fail', inputs: { message: 'nobody to greet' }, ui: { x: 260, y: 80 } },
  ],
  connections: [
    { from: 'check:true', to: 'hello' },
    { from: 'check:false', to: 'oops' },
    { from: 'hello:fault', to: 'oops' },
  ],
  card: { kind: 'action' },
};

describe('flow JSON conversion', () => {
  it('round-trips a flow with positions, names, unknown ui fields and extension blocks', () => {
    expect(toFlowJson(fromFlowJson(greet))).toEqual(greet);
    expect(JSON.stringify(toFlowJson(fromFlowJson(greet)))).toBe(JSON.stringify(greet));
  });

  it('turns connections into edges on outcome handles', () => {
    const design = fromFlowJson(greet);
    expect(design.edges.map(e => [e.source, e.sourceHandle, e.target])).toEqual([
      ['check', 'true', 'hello'], ['check', 'false', 'oops'], ['hello', 'fault', 'oops'],
    ]);
    expect(design.nodes[1].position).toEqual({ x: 260, y: -40 });
    expect(design.nodes[1].data.uiExtra).toEqual({ collapsed: true });
  });

  it('lays out a flow without any positions along its connections and gives them positions on save', () => {
    const flow: FlowJson = { format: 1, id: 'f', nodes: [{ id: 'b', type: 'Log' }, { id: 'a', type: 'Log' }], connections: [{ from: 'a:done', to: 'b' }] };
    const saved = toFlowJson(fromFlowJson(flow));
    const [b, a] = saved.nodes.map(n => n.ui as { x: number; y: number });
    expect(a.x).toBeLessThan(b.x);
    expect(saved.nodes[0].inputs).toBeUndefined();
  });

  it('puts only the nodes without positions on a grid when others have positions', () => {
    const flow: FlowJson = { format: 1, id: 'f', nodes: [{ id: 'a', type: 'Log', ui: { x: 5, y: 6 } }, { id: 'b', type: 'Log' }], connections: [] };
    expect(toFlowJson(fromFlowJson(flow)).nodes.map(n => n.ui)).toEqual([{ x: 5, y: 6 }, { x: 260, y: 0 }]);
  });

  it('splits node:outcome on the last colon', () => {
    const flow: FlowJson = { format: 1, id: 'f', nodes: [{ id: 'a.b-c', type: 'Log' }, { id: 'z', type: 'Log' }], connections: [{ from: 'a.b-c:done', to: 'z' }] };
    expect(fromFlowJson(flow).edges[0]).toMatchObject({ source: 'a.b-c', sourceHandle: 'done', target: 'z' });
  });

  it('renames a node and its connections, refusing taken or malformed ids', () => {
    const design = fromFlowJson(greet);
    const renamed = renameNode(design, 'check', 'gate')!;
    expect(toFlowJson(renamed).connections).toEqual([
      { from: 'gate:true', to: 'hello' }, { from: 'gate:false', to: 'oops' }, { from: 'hello:fault', to: 'oops' },
    ]);
    expect(renameNode(design, 'check', 'hello')).toBeNull();
    expect(renameNode(design, 'check', '1bad')).toBeNull();
  });

  it('makes unique node ids from the type', () => {
    expect(newNodeId('SetOutput', ['setOutput1'])).toBe('setOutput2');
    expect(newNodeId('Http.SendRequest', [])).toBe('httpSendRequest1');
    expect(newNodeId('Send HTTP Request', ['sendHttpRequest1'])).toBe('sendHttpRequest2');
    expect(newNodeId('custom-api-action', [])).toBe('customApiAction1');
    expect(newNodeId('3 ways', [])).toBe('node3Ways1');
  });

  it('rewrites every reference to a renamed node in JavaScript and templates, and only there', () => {
    expect(renameReferences('nodes.fetch.body + nodes.fetcher.x + mynodes.fetch + nodes["fetch"].y', 'fetch', 'load'))
      .toBe('nodes.load.body + nodes.fetcher.x + mynodes.fetch + nodes.load.y');
    expect(renameReferences('{{ nodes.http.SendRequest1.body }}', 'http.SendRequest1', 'sendHttpRequest1')).toBe('{{ nodes.sendHttpRequest1.body }}');
    expect(renameReferences('nodes.a.b', 'a', 'my-node')).toBe('nodes["my-node"].b');
    const design = fromFlowJson({
      format: 1, id: 'f', connections: [{ from: 'fetch:2xx', to: 'shape' }],
      nodes: [
        { id: 'fetch', type: 'Http.SendRequest', inputs: { url: 'https://nodes.fetch.example' } },
        { id: 'shape', type: 'RunJavaScript', inputs: { code: 'return nodes.fetch.body;', extra: { list: [{ template: '{{ nodes.fetch.statusCode }}' }] } } },
      ],
    });
    const renamed = toFlowJson(renameNode(design, 'fetch', 'load', type => new Set(type === 'RunJavaScript' ? ['code'] : []))!);
    expect(renamed.nodes[0].inputs).toEqual({ url: 'https://nodes.fetch.example' });
    expect(renamed.nodes[1].inputs).toEqual({ code: 'return nodes.load.body;', extra: { list: [{ template: '{{ nodes.load.statusCode }}' }] } });
    expect(renamed.connections).toEqual([{ from: 'load:2xx', to: 'shape' }]);
  });
});

describe('freshFlowId', () => {
  it('keeps a free id and numbers a taken one', () => {
    expect(freshFlowId('hello', ['other'])).toBe('hello');
    expect(freshFlowId('hello', ['hello'])).toBe('hello-2');
    expect(freshFlowId('hello', ['hello', 'hello-2'])).toBe('hello-3');
    expect(freshFlowId('hello-2', ['hello', 'hello-2'])).toBe('hello-3');
  });
});
