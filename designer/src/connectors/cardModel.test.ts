import { describe, expect, it } from 'vitest';
import { applyCard, cardFromFlow, cardPreview, cardProblems, helperFlows, newActionFlow, newDropdownHelperFlow, parseTyped, typeLabel } from './cardModel';
import type { ConnectorFlowJson } from './types';

const getProject: ConnectorFlowJson = {
  format: 1,
  id: 'getProject',
  name: 'Get project',
  inputs: [
    { name: 'team', type: 'string', label: 'Team', required: true, options: [{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }] },
    { name: 'project', type: 'string', label: 'Project', required: true },
    { name: 'limit', type: 'integer', default: 10 },
  ],
  outputs: [{ name: 'id', type: 'string', label: 'ID' }],
  nodes: [{ id: 'done', type: 'Return' }],
  connections: [],
  card: {
    kind: 'action', label: 'Get Project', group: 'Projects', options: ['team'],
    fields: { project: { dropdown: { flow: 'listProjects', dependsOn: ['team'] } } },
    dynamicInputs: { flow: 'describe', dependsOn: ['team'] },
  },
};

describe('card model', () => {
  it('reads options, inputs, static and dependent dynamic dropdowns from a flow', () => {
    const model = cardFromFlow(getProject);
    expect(model.fields.map(f => [f.name, f.role])).toEqual([['team', 'option'], ['project', 'input'], ['limit', 'input']]);
    expect(model.fields[0].staticOptions).toEqual([{ label: 'Red', value: 'red' }, { label: 'Blue', value: 'blue' }]);
    expect(model.fields[1].dynamic).toEqual({ flow: 'listProjects', dependsOn: ['team'] });
    expect(model.fields[2].defaultText).toBe('10');
    expect(model.label).toBe('Get Project');
  });

  it('writes back exactly the flow it read, keeping nodes and card fields it does not edit', () => {
    expect(applyCard(getProject, cardFromFlow(getProject))).toEqual(getProject);
  });

  it('turns edits into flow inputs and the card block', () => {
    const model = cardFromFlow(getProject);
    model.fields.push({ ...model.fields[2], name: 'archived', type: 'boolean', defaultText: 'false', role: 'option', staticOptions: [] });
    model.fields[1] = { ...model.fields[1], dynamic: null, staticOptions: [{ label: '', value: 'p1' }] };
    model.outputs.push({ name: 'tags', label: '', type: 'array<string>', description: '' });
    const flow = applyCard(getProject, model);
    expect(flow.inputs![3]).toEqual({ name: 'archived', type: 'boolean', default: false });
    expect(flow.inputs![1].options).toEqual([{ label: 'p1', value: 'p1' }]);
    expect(flow.card!.options).toEqual(['team', 'archived']);
    expect(flow.card!.fields).toBeUndefined();
    expect(flow.card!.dynamicInputs).toEqual({ flow: 'describe', dependsOn: ['team'] });
    expect(flow.outputs![1]).toEqual({ name: 'tags', type: 'array<string>' });
    expect(flow.nodes).toBe(getProject.nodes);
  });

  it('writes registration flows only for event cards, the interval only for polling cards', () => {
    const push: ConnectorFlowJson = {
      format: 1, id: 'push', nodes: [], connections: [],
      card: { kind: 'event', label: 'Push', registration: 'register', deregistration: 'deregister', signature: { style: 'github', secretParameter: 'secret' } },
    };
    const model = cardFromFlow(push);
    expect([model.registration, model.deregistration]).toEqual(['register', 'deregister']);
    expect(applyCard(push, model).card).toEqual(push.card);
    expect(applyCard(push, { ...model, kind: 'polling', interval: '00:05:00' }).card).toEqual({
      kind: 'polling', label: 'Push', interval: '00:05:00', signature: { style: 'github', secretParameter: 'secret' },
    });
    expect(cardProblems({ ...model, registration: '' })).toEqual(['an event card needs a registration and a deregistration flow']);
  });

  it('finds what the server would refuse before saving', () => {
    const model = cardFromFlow(getProject);
    model.fields.push({ ...model.fields[1], name: 'project' });
    model.fields[1] = { ...model.fields[1], dynamic: { flow: '', dependsOn: ['nope'] } };
    model.outputs.push({ name: '1st', label: '', type: 'any', description: '' });
    expect(cardProblems(model)).toEqual([
      "field 'project': choose the helper flow that fills its dropdown",
      "field 'project' depends on 'nope', which is not another field of the card",
      "two fields are named 'project'",
      "output name '1st' must start with a letter or _ and hold letters, digits or _",
    ]);
    expect(cardProblems(cardFromFlow(getProject))).toEqual([]);
  });

  it('previews the card the way a user of the connector sees it', () => {
    const preview = cardPreview(cardFromFlow(getProject));
    expect(preview.title).toBe('Get Project');
    expect(preview.options.map(f => [f.label, f.control, f.required])).toEqual([['Team', 'select', true]]);
    expect(preview.inputs.map(f => [f.label, f.control, f.typeLabel])).toEqual([['Project', 'dynamic', 'Text'], ['limit', 'number', 'Integer']]);
    expect(preview.inputs[0].source).toBe('listProjects');
    expect(preview.inputs[0].dependsOn).toEqual(['team']);
    expect(preview.outputs).toEqual([{ name: 'id', label: 'ID', typeLabel: 'Text' }]);
  });

  it('names types as cards show them and parses typed defaults', () => {
    expect(typeLabel('array<object>')).toBe('List of Object');
    expect(typeLabel('boolean')).toBe('True/False');
    expect(parseTyped('integer', '42')).toBe(42);
    expect(parseTyped('object', '{"a":1}')).toEqual({ a: 1 });
    expect(parseTyped('string', '')).toBeUndefined();
  });

  it('offers only non-standard flows without an action card as dropdown helpers', () => {
    const flows: ConnectorFlowJson[] = [
      { format: 1, id: 'httpHelper', nodes: [], connections: [] },
      { format: 1, id: 'listProjects', nodes: [], connections: [], card: { kind: 'helper' } },
      { format: 1, id: 'util', nodes: [], connections: [] },
      getProject,
    ];
    expect(helperFlows(flows, 'getProject')).toEqual(['listProjects', 'util']);
  });

  it('scaffolds an action through httpHelper, with a template for a URL that uses inputs', () => {
    const flow = newActionFlow('getProject', 'Get Project', 'GET', '/projects/{{ input.project }}');
    expect(flow.nodes[0].inputs).toEqual({ flowId: 'httpHelper', inputs: { relative_url: { template: '/projects/{{ input.project }}' }, request_method: 'GET' } });
    expect(flow.card).toEqual({ kind: 'action', label: 'Get Project' });
  });

  it('scaffolds a dropdown helper that maps a list in the body to key/value items', () => {
    const flow = newDropdownHelperFlow('listProjects', '/projects', 'data.items', 'id', 'name', ['team']);
    const js = (flow.nodes[1].inputs!.outputs as { items: { js: string } }).items.js;
    const nodes = { call: { outputs: { body: { data: { items: [{ id: 'p1', name: 'Apollo' }] } } } } };
    expect(new Function('nodes', `return ${js}`)(nodes)).toEqual([{ key: 'p1', value: 'Apollo' }]);
    expect(new Function('nodes', `return ${js}`)({ call: { outputs: { body: null } } })).toEqual([]);
    expect(flow.inputs).toEqual([{ name: 'team', type: 'any' }]);
    expect(flow.card).toEqual({ kind: 'helper' });
  });
});
