// A connector card as a Connector.Action node of a flow: the preset a palette entry adds, the card's
// fields in the order the inspector shows them, and edits of the node's `inputs` object. Pure.
import type { Json } from '../types';
import { cardFromFlow, parseTyped, type FieldModel } from './cardModel';
import type { ConnectorCardInfo } from './types';

export const CONNECTOR_ACTION = 'Connector.Action';
/** Drag data of a palette card: the JSON of a NodePreset. */
export const CARD_DRAG_TYPE = 'application/x-flowconnectors-card';

export interface NodePreset {
  /** Base of the new node's id (the card's flow id). */
  idBase: string;
  name: string;
  inputs: Record<string, Json>;
}

export function cardKey(connector: string, flowId: string): string {
  return `${connector}/${flowId}`;
}

/** The card's fields: options first (chosen once), then inputs, each as the card builder models it. */
export function cardFields(card: ConnectorCardInfo): FieldModel[] {
  const model = cardFromFlow({ format: 1, id: card.flowId, inputs: card.inputs, outputs: card.outputs, card: card.card, nodes: [], connections: [] });
  return [...model.fields.filter(f => f.role === 'option'), ...model.fields.filter(f => f.role === 'input')];
}

/** A new Connector.Action node for the card: connector and card set, the fields' defaults filled in, no connection yet. */
export function cardPreset(card: ConnectorCardInfo): NodePreset {
  const values: Record<string, Json> = {};
  for (const f of cardFields(card)) {
    const value = parseTyped(f.type, f.defaultText);
    if (value !== undefined) values[f.name] = value;
  }
  return {
    idBase: card.flowId,
    name: card.card.label || card.name || card.flowId,
    inputs: { connector: card.connector, action: card.flowId, inputs: values },
  };
}

/** Cards grouped by connector (by connector name), each group's cards by group and label. */
export function groupCards(cards: ConnectorCardInfo[], query = ''): { connector: string; connectorName: string; accentColor?: string | null; iconUrl?: string | null; cards: ConnectorCardInfo[] }[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const groups = new Map<string, ConnectorCardInfo[]>();
  for (const c of cards) {
    const text = `${c.connectorName} ${c.connector} ${c.card.label ?? ''} ${c.flowId} ${c.card.description ?? ''} ${c.card.group ?? ''}`.toLowerCase();
    if (!words.every(w => text.includes(w))) continue;
    let list = groups.get(c.connector);
    if (!list) groups.set(c.connector, (list = []));
    list.push(c);
  }
  return [...groups.values()]
    .map(list => ({
      connector: list[0].connector, connectorName: list[0].connectorName, accentColor: list[0].accentColor, iconUrl: list[0].iconUrl,
      cards: list.sort((a, b) => `${a.card.group ?? ''}\u0000${a.card.label ?? a.flowId}`.localeCompare(`${b.card.group ?? ''}\u0000${b.card.label ?? b.flowId}`)),
    }))
    .sort((a, b) => a.connectorName.localeCompare(b.connectorName));
}

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The node's card values (its `inputs` input) when that is a literal object; null when it is an expression. */
export function cardValues(nodeInputs: Record<string, Json>): Record<string, Json> | null {
  const v = nodeInputs.inputs;
  if (v === undefined || v === null) return {};
  if (!isObject(v)) return null;
  const keys = Object.keys(v);
  if (keys.length === 1 && (keys[0] === 'js' || keys[0] === 'template') && typeof v[keys[0]] === 'string') return null;
  return v;
}

/** The card values with one field set (undefined removes it). */
export function withCardValue(values: Record<string, Json>, field: string, value: Json | undefined): Record<string, Json> {
  const next = { ...values };
  if (value === undefined) delete next[field];
  else next[field] = value;
  return next;
}

/** What a dynamic dropdown's helper flow receives: the values of the fields it depends on. */
export function dependencyValues(field: FieldModel, values: Record<string, Json>): Record<string, Json> {
  return Object.fromEntries((field.dynamic?.dependsOn ?? []).map(d => [d, values[d] ?? null]));
}

/** A field's value as a literal (not an expression) the inspector can show in a control. */
export function isLiteral(v: Json | undefined): boolean {
  if (!isObject(v)) return true;
  const keys = Object.keys(v);
  return !(keys.length === 1 && (keys[0] === 'js' || keys[0] === 'template'));
}
