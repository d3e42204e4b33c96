// A connector flow's card as the card builder edits it, and back; the preview a user of the connector
// sees; scaffolds of new action and dropdown-helper flows. Pure (no React).
import type { Json } from '../types';
import type { CardJson, ConnectorFlowJson, FlowParameterJson } from './types';

export type CardKind = CardJson['kind'];
export const CARD_KINDS: CardKind[] = ['action', 'event', 'polling', 'helper'];
export const STANDARD_FLOWS = ['httpHelper', '_authping', '_revoke'];
export const FIELD_TYPES = ['string', 'number', 'integer', 'boolean', 'datetime', 'object', 'array<string>', 'array<object>', 'any'];
export const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface StaticOption { label: string; value: string }

export interface FieldModel {
  name: string;
  label: string;
  type: string;
  required: boolean;
  description: string;
  /** An option is chosen once when the card is added (e.g. Request Type); an input is mapped at run time. */
  role: 'option' | 'input';
  /** Default as text ('' for none), parsed by type on save. */
  defaultText: string;
  staticOptions: StaticOption[];
  /** A dynamic dropdown filled by a helper flow of the connector, with the fields it depends on. */
  dynamic: { flow: string; dependsOn: string[] } | null;
  secret: boolean;
}

export interface OutputModel { name: string; label: string; type: string; description: string }

export interface CardModel {
  flowId: string;
  flowName: string;
  kind: CardKind;
  label: string;
  description: string;
  group: string;
  fields: FieldModel[];
  outputs: OutputModel[];
  selectableOutputs: boolean;
  /** Event cards: the flows that register and deregister the webhook. */
  registration: string;
  deregistration: string;
  /** Polling cards: how often, hh:mm:ss. */
  interval: string;
  /** A helper flow returning extra input fields, and the fields it depends on. */
  dynamicInputs: { flow: string; dependsOn: string[] } | null;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');

function jsonText(v: Json | undefined): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** A typed value from form text: numbers, booleans and JSON for non-text types; undefined for ''. */
export function parseTyped(type: string, value: string): Json | undefined {
  if (value === '') return undefined;
  if (type === 'string' || type === 'datetime') return value;
  if (type === 'number' || type === 'integer') { const n = Number(value); return Number.isFinite(n) ? n : value; }
  if (type === 'boolean') return value === 'true' ? true : value === 'false' ? false : value;
  try { return JSON.parse(value) as Json; } catch { return value; }
}

export function emptyField(name = ''): FieldModel {
  return { name, label: '', type: 'string', required: false, description: '', role: 'input', defaultText: '', staticOptions: [], dynamic: null, secret: false };
}

export function cardFromFlow(flow: ConnectorFlowJson): CardModel {
  const card: Partial<CardJson> = flow.card ?? {};
  const options = new Set(card.options ?? []);
  const fields = (flow.inputs ?? []).map<FieldModel>(input => {
    const dropdown = card.fields?.[input.name]?.dropdown;
    return {
      name: input.name,
      label: text(input.label),
      type: input.type ?? 'any',
      required: input.required === true,
      description: text(input.description),
      role: options.has(input.name) ? 'option' : 'input',
      defaultText: jsonText(input.default),
      staticOptions: (input.options ?? []).map(o => ({ label: text(o.label), value: jsonText(o.value) })),
      dynamic: dropdown ? { flow: dropdown.flow, dependsOn: [...(dropdown.dependsOn ?? [])] } : null,
      secret: input.secret === true,
    };
  });
  return {
    flowId: flow.id,
    flowName: text(flow.name),
    kind: card.kind ?? 'action',
    label: text(card.label),
    description: text(card.description),
    group: text(card.group),
    fields,
    outputs: (flow.outputs ?? []).map(o => ({ name: o.name, label: text(o.label), type: o.type ?? 'any', description: text(o.description) })),
    selectableOutputs: card.selectableOutputs === true,
    registration: text(card.registration),
    deregistration: text(card.deregistration),
    interval: text(card.interval),
    dynamicInputs: card.dynamicInputs ? { flow: card.dynamicInputs.flow, dependsOn: [...(card.dynamicInputs.dependsOn ?? [])] } : null,
  };
}

function parameterOf(f: FieldModel): FlowParameterJson {
  const p: FlowParameterJson = { name: f.name, type: f.type };
  if (f.label) p.label = f.label;
  if (f.description) p.description = f.description;
  if (f.required) p.required = true;
  if (f.secret) p.secret = true;
  const def = parseTyped(f.type, f.defaultText);
  if (def !== undefined) p.default = def;
  if (f.staticOptions.length) p.options = f.staticOptions.map(o => ({ label: o.label || o.value, value: parseTyped(f.type, o.value) ?? o.value }));
  return p;
}

/**
 * The flow with the card's fields as its declared inputs, its outputs, name and card block. Nodes,
 * connections and card fields the builder does not edit (signature) are kept as they were.
 */
export function applyCard(flow: ConnectorFlowJson, model: CardModel): ConnectorFlowJson {
  const previous: Partial<CardJson> = flow.card ?? {};
  const { kind: _k, label: _l, description: _d, group: _g, options: _o, fields: _f, selectableOutputs: _s,
    registration: _r, deregistration: _dr, interval: _i, dynamicInputs: _di, ...kept } = previous;
  const card: CardJson = { ...kept, kind: model.kind };
  if (model.label) card.label = model.label;
  if (model.description) card.description = model.description;
  if (model.group) card.group = model.group;
  const options = model.fields.filter(f => f.role === 'option').map(f => f.name);
  if (options.length) card.options = options;
  const dynamic = model.fields.filter(f => f.dynamic && f.dynamic.flow);
  if (dynamic.length)
    card.fields = Object.fromEntries(dynamic.map(f => [f.name, { dropdown: { flow: f.dynamic!.flow, dependsOn: [...f.dynamic!.dependsOn] } }]));
  if (model.selectableOutputs) card.selectableOutputs = true;
  if (model.dynamicInputs?.flow) card.dynamicInputs = { flow: model.dynamicInputs.flow, dependsOn: [...model.dynamicInputs.dependsOn] };
  if (model.kind === 'event') {
    if (model.registration) card.registration = model.registration;
    if (model.deregistration) card.deregistration = model.deregistration;
  }
  if (model.kind === 'polling' && model.interval) card.interval = model.interval;
  const next: ConnectorFlowJson = { ...flow, inputs: model.fields.map(parameterOf), outputs: model.outputs.map(o => {
    const p: FlowParameterJson = { name: o.name, type: o.type };
    if (o.label) p.label = o.label;
    if (o.description) p.description = o.description;
    return p;
  }), card };
  if (model.flowName) next.name = model.flowName; else delete next.name;
  if (!next.inputs!.length) delete next.inputs;
  if (!next.outputs!.length) delete next.outputs;
  return next;
}

/** What is wrong with the card before it goes to the server (which validates it again, whole). */
export function cardProblems(model: CardModel): string[] {
  const problems: string[] = [];
  const names = new Set<string>();
  for (const f of model.fields) {
    if (!NAME_PATTERN.test(f.name)) problems.push(`field name '${f.name}' must start with a letter or _ and hold letters, digits or _`);
    else if (names.has(f.name)) problems.push(`two fields are named '${f.name}'`);
    names.add(f.name);
    if (f.dynamic) {
      if (!f.dynamic.flow) problems.push(`field '${f.name}': choose the helper flow that fills its dropdown`);
      for (const d of f.dynamic.dependsOn)
        if (d === f.name || !model.fields.some(o => o.name === d)) problems.push(`field '${f.name}' depends on '${d}', which is not another field of the card`);
    }
    for (const o of f.staticOptions) if (o.value === '') problems.push(`field '${f.name}' has a dropdown value that is empty`);
  }
  if (model.dynamicInputs)
    for (const d of model.dynamicInputs.dependsOn)
      if (!model.fields.some(o => o.name === d)) problems.push(`dynamic inputs depend on '${d}', which is not a field of the card`);
  if (model.kind === 'event' && (!model.registration || !model.deregistration)) problems.push('an event card needs a registration and a deregistration flow');
  const outputs = new Set<string>();
  for (const o of model.outputs) {
    if (!NAME_PATTERN.test(o.name)) problems.push(`output name '${o.name}' must start with a letter or _ and hold letters, digits or _`);
    else if (outputs.has(o.name)) problems.push(`two outputs are named '${o.name}'`);
    outputs.add(o.name);
  }
  return problems;
}

/** Flows that may fill a dynamic dropdown: the connector's own flows except the standard ones and the card itself. */
export function helperFlows(flows: ConnectorFlowJson[], except: string): string[] {
  return flows.filter(f => f.id !== except && !STANDARD_FLOWS.includes(f.id) && (!f.card || f.card.kind === 'helper')).map(f => f.id);
}

// --- preview ------------------------------------------------------------------------------------

export type PreviewControl = 'text' | 'number' | 'checkbox' | 'select' | 'dynamic' | 'json' | 'datetime';

export interface PreviewField {
  name: string;
  label: string;
  required: boolean;
  typeLabel: string;
  control: PreviewControl;
  description: string;
  choices: StaticOption[];
  /** For a dynamic dropdown: the helper flow and the fields whose values it needs. */
  source?: string;
  dependsOn: string[];
}

export interface CardPreview {
  title: string;
  kindLabel: string;
  description: string;
  group: string;
  options: PreviewField[];
  inputs: PreviewField[];
  outputs: { name: string; label: string; typeLabel: string }[];
}

/** Type names as a card shows them: Text, Number, True/False, Date & Time, List of Text, … */
export function typeLabel(type: string): string {
  const list = /^array<(.+)>$/.exec(type);
  if (list) return `List of ${typeLabel(list[1])}`;
  switch (type) {
    case 'string': return 'Text';
    case 'number': return 'Number';
    case 'integer': return 'Integer';
    case 'boolean': return 'True/False';
    case 'datetime': return 'Date & Time';
    case 'object': return 'Object';
    case 'array': return 'List';
    default: return 'Any';
  }
}

function controlOf(f: FieldModel): PreviewControl {
  if (f.dynamic) return 'dynamic';
  if (f.staticOptions.length) return 'select';
  switch (f.type) {
    case 'string': return 'text';
    case 'number': case 'integer': return 'number';
    case 'boolean': return 'checkbox';
    case 'datetime': return 'datetime';
    default: return 'json';
  }
}

const KIND_LABELS: Record<CardKind, string> = { action: 'Action', event: 'Event', polling: 'Event (polling)', helper: 'Helper flow' };

export function cardPreview(model: CardModel): CardPreview {
  const field = (f: FieldModel): PreviewField => ({
    name: f.name,
    label: f.label || f.name,
    required: f.required,
    typeLabel: typeLabel(f.type),
    control: controlOf(f),
    description: f.description,
    choices: f.staticOptions.map(o => ({ label: o.label || o.value, value: o.value })),
    source: f.dynamic?.flow,
    dependsOn: f.dynamic?.dependsOn ?? [],
  });
  return {
    title: model.label || model.flowName || model.flowId,
    kindLabel: KIND_LABELS[model.kind],
    description: model.description,
    group: model.group,
    options: model.fields.filter(f => f.role === 'option').map(field),
    inputs: model.fields.filter(f => f.role === 'input').map(field),
    outputs: model.outputs.map(o => ({ name: o.name, label: o.label || o.name, typeLabel: typeLabel(o.type) })),
  };
}

// --- scaffolds ----------------------------------------------------------------------------------

function urlInput(relativeUrl: string): Json {
  return relativeUrl.includes('{{') ? { template: relativeUrl } : relativeUrl;
}

/**
 * A new action card. With a relative URL it starts with one request through httpHelper and returns the status code
 * and the body; without one it is just its Return, to build on the canvas.
 */
export function newActionFlow(id: string, label: string, method: string, relativeUrl: string): ConnectorFlowJson {
  if (!relativeUrl.trim())
    return {
      format: 1,
      id,
      name: label || id,
      nodes: [{ id: 'done', type: 'Return', inputs: { outputs: {} }, ui: { x: 420, y: 120 } }],
      connections: [],
      card: { kind: 'action', label: label || id },
    };
  return {
    format: 1,
    id,
    name: label || id,
    outputs: [{ name: 'statusCode', type: 'integer', label: 'Status Code' }, { name: 'body', type: 'any', label: 'Body' }],
    nodes: [
      { id: 'call', type: 'CallFlow', name: `${method} ${relativeUrl}`, inputs: { flowId: 'httpHelper', inputs: { relative_url: urlInput(relativeUrl), request_method: method } }, ui: { x: 80, y: 120 } },
      { id: 'done', type: 'Return', inputs: { outputs: { body: { js: 'nodes.call.outputs.body' }, statusCode: { js: 'nodes.call.outputs.status_code' } } }, ui: { x: 420, y: 120 } },
    ],
    connections: [{ from: 'call:done', to: 'done' }],
    card: { kind: 'action', label: label || id },
  };
}

/**
 * A new dropdown helper: GET a list and map each element to { key, value }. <paramref name="listPath"/>
 * is where the list is in the response body ('' for the body itself, e.g. 'data.items').
 */
export function newDropdownHelperFlow(id: string, relativeUrl: string, listPath: string, keyField: string, valueField: string, inputs: string[] = []): ConnectorFlowJson {
  const path = listPath.split('.').filter(Boolean).map(p => `[${JSON.stringify(p)}]`).join('');
  const list = `(nodes.call.outputs.body${path ? ` && nodes.call.outputs.body${path}` : ''} || [])`;
  const flow: ConnectorFlowJson = {
    format: 1,
    id,
    name: `Dropdown: ${id}`,
    outputs: [{ name: 'items', type: 'array<object>', label: 'Items' }],
    nodes: [
      { id: 'call', type: 'CallFlow', name: `GET ${relativeUrl}`, inputs: { flowId: 'httpHelper', inputs: { relative_url: urlInput(relativeUrl), request_method: 'GET' } } },
      { id: 'done', type: 'Return', inputs: { outputs: { items: { js: `${list}.map(x => ({ key: x[${JSON.stringify(keyField)}], value: x[${JSON.stringify(valueField)}] }))` } } } },
    ],
    connections: [{ from: 'call:done', to: 'done' }],
    card: { kind: 'helper' },
  };
  if (inputs.length) flow.inputs = inputs.map(name => ({ name, type: 'any' }));
  return flow;
}
