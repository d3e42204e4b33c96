// Connector cards carry their connector's branding (manifest icon and accent colour) on the canvas and in the palette.
// The cards loaded from GET /api/connector-cards fill a small store; `cardBranding` resolves a node's branding from
// its data (a Connector.Action node names its connector and card) and `useCardBranding` re-renders when cards reload.
// The resolver has the shape of the designer's look hook (node data -> { iconUrl, color, label }).
import { useSyncExternalStore } from 'react';
import type { Json } from '../types';
import type { ConnectorCardInfo } from './types';
import { setBrandingResolver } from '../look';

export interface CardBranding {
  /** The connector's icon (a data: URL), when it has one. */
  iconUrl?: string;
  /** The connector's accent colour (#RRGGBB). */
  color?: string;
  /** The card's label, shown instead of the activity's display name. */
  label?: string;
  /** The connector's name, for a title or a letter badge when there is no icon. */
  connectorName?: string;
}

const CONNECTOR_ACTION = 'Connector.Action';

let byCard = new Map<string, CardBranding>();
let byConnector = new Map<string, CardBranding>();
let version = 0;
const listeners = new Set<() => void>();

export function brandingOf(card: Pick<ConnectorCardInfo, 'connectorName' | 'accentColor' | 'iconUrl' | 'card' | 'flowId' | 'name'>): CardBranding {
  return {
    iconUrl: card.iconUrl ?? undefined,
    color: card.accentColor ?? undefined,
    label: card.card.label || card.name || card.flowId,
    connectorName: card.connectorName,
  };
}

/** Called with every card the server lists (the palette does after each load). */
export function setCardBrandings(cards: ConnectorCardInfo[]): void {
  const cardsNext = new Map<string, CardBranding>();
  const connectorsNext = new Map<string, CardBranding>();
  for (const c of cards) {
    const b = brandingOf(c);
    cardsNext.set(`${c.connector}/${c.flowId}`, b);
    connectorsNext.set(c.connector, { iconUrl: b.iconUrl, color: b.color, connectorName: b.connectorName });
  }
  const same = JSON.stringify([...cardsNext]) === JSON.stringify([...byCard]);
  byCard = cardsNext;
  byConnector = connectorsNext;
  if (same) return;
  version++;
  for (const l of listeners) l();
  // Nodes and node details read branding through the look hook: tell it the cards changed.
  setBrandingResolver(cardBranding);
}

/** A node's branding: a Connector.Action node's card (or at least its connector); nothing for other activities. */
export function cardBranding(data: { type: string; inputs: Record<string, Json> }): CardBranding | undefined {
  if (data.type !== CONNECTOR_ACTION) return undefined;
  const connector = data.inputs.connector;
  const action = data.inputs.action;
  if (typeof connector !== 'string') return undefined;
  return (typeof action === 'string' ? byCard.get(`${connector}/${action}`) : undefined) ?? byConnector.get(connector);
}

const subscribe = (l: () => void) => { listeners.add(l); return () => { listeners.delete(l); }; };

/** cardBranding, re-rendering the caller when the cards reload. */
export function useCardBranding(data: { type: string; inputs: Record<string, Json> }): CardBranding | undefined {
  useSyncExternalStore(subscribe, () => version);
  return cardBranding(data);
}

/** The first letter of the connector's name: the badge shown when a connector has no icon. */
export function initialOf(name: string | undefined): string {
  return (name ?? '?').trim().charAt(0).toUpperCase() || '?';
}

setBrandingResolver(cardBranding);
