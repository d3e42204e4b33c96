// The node picker: Tab on the canvas, dragging a connection from a handle onto empty canvas, or "Add first step".
// Type to search the activities (the same descriptors as the palette) and the connector cards (branded, as in the
// palette), arrows to move, Enter or a click to add: the new node is created where the picker opened and connected
// from the handle it came from. A card is added as a Connector.Action node preset to that card.
import { Search } from 'lucide-react';
import { useMemo, useState } from 'react';
import { ActivityIcon, categoryLook } from '../../look';
import { groupPalette } from '../palette';
import { BrandIcon } from '../../connectors/BrandIcon';
import { cardKey, cardPreset, CONNECTOR_ACTION, groupCards, type NodePreset } from '../../connectors/cardNode';
import { useConnectorCards } from '../../connectors/connectorCards';
import type { ConnectorCardInfo } from '../../connectors/types';
import type { ActivityDescriptor } from '../../types';

export interface PickerRequest {
  /** Where the picker shows, in screen pixels. */
  screen: { x: number; y: number };
  /** Where the new node goes, in flow coordinates. */
  position: { x: number; y: number };
  /** The handle the new node is connected from. */
  from?: { nodeId: string; outcome: string };
}

/** One entry of the picker: an activity, or a connector card (a preset Connector.Action). */
export type PickItem =
  | { kind: 'activity'; key: string; name: string; descriptor: ActivityDescriptor }
  | { kind: 'card'; key: string; name: string; card: ConnectorCardInfo };

/** How well an entry's name (and, for a card, its connector's name) matches: lower is better. */
function score(name: string, also: string, query: string): number {
  const n = name.toLowerCase();
  const a = also.toLowerCase();
  return n.startsWith(query) || a.startsWith(query) ? 0 : n.includes(query) || a.includes(query) ? 1 : 2;
}

/** Best matches first: a display name that starts with the query, then one that contains it, then the rest (palette order). */
export function rankPicks(items: ActivityDescriptor[], query: string): ActivityDescriptor[] {
  const q = query.trim().toLowerCase();
  if (!q) return items;
  const rank = (d: ActivityDescriptor) => {
    const s = score(d.displayName || d.type, '', q);
    return s < 2 ? s : d.type.toLowerCase().includes(q) ? 2 : 3;
  };
  return items.map((d, i) => ({ d, i, s: rank(d) })).sort((a, b) => a.s - b.s || a.i - b.i).map(x => x.d);
}

/**
 * What the picker offers for a query: the matching activities (in palette order, no triggers after a handle) and the
 * matching connector cards (by connector, when Connector.Action exists), best matches of both first.
 */
export function pickItems(descriptors: ActivityDescriptor[], cards: ConnectorCardInfo[], query: string, afterHandle: boolean): PickItem[] {
  const usable = afterHandle ? descriptors.filter(d => !d.trigger) : descriptors;
  const activities: PickItem[] = rankPicks(groupPalette(usable, query).flatMap(g => g.items), query)
    .map(d => ({ kind: 'activity', key: d.type, name: d.displayName || d.type, descriptor: d }));
  const cardItems: PickItem[] = descriptors.some(d => d.type === CONNECTOR_ACTION)
    ? groupCards(cards, query).flatMap(g => g.cards).map(c => ({ kind: 'card', key: `card:${cardKey(c.connector, c.flowId)}`, name: c.card.label || c.name || c.flowId, card: c }))
    : [];
  const all = [...activities, ...cardItems];
  const q = query.trim().toLowerCase();
  if (!q) return all;
  const rank = (item: PickItem) => score(item.name, item.kind === 'card' ? item.card.connectorName : '', q);
  return all.map((item, i) => ({ item, i, s: rank(item) })).sort((a, b) => a.s - b.s || a.i - b.i).map(x => x.item);
}

export function NodePicker({ descriptors, request, onPick, onClose }: {
  descriptors: ActivityDescriptor[]; request: PickerRequest; onPick: (type: string, preset?: NodePreset) => void; onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  const cards = useConnectorCards(undefined);
  const flat = useMemo(() => pickItems(descriptors, cards, query, !!request.from), [descriptors, cards, query, request.from]);
  const at = Math.min(cursor, Math.max(0, flat.length - 1));
  const left = Math.min(request.screen.x, window.innerWidth - 330);
  const top = Math.min(request.screen.y, window.innerHeight - 380);
  const pick = (item: PickItem) => (item.kind === 'card' ? onPick(CONNECTOR_ACTION, cardPreset(item.card)) : onPick(item.descriptor.type));
  return (
    <>
      <div className="picker-backdrop" onMouseDown={onClose} />
      <div className="node-picker" role="dialog" aria-label="add a step" data-testid="node-picker" style={{ left: Math.max(8, left), top: Math.max(8, top) }}
        onKeyDown={e => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setCursor(Math.min(at + 1, flat.length - 1)); }
          else if (e.key === 'ArrowUp') { e.preventDefault(); setCursor(Math.max(at - 1, 0)); }
          else if (e.key === 'Enter' && flat[at]) { e.preventDefault(); pick(flat[at]); }
          else if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); onClose(); }
        }}>
        <div className="flow-list-search">
          <Search size={14} aria-hidden />
          <input autoFocus aria-label="search steps" placeholder={request.from ? `Add a step after ${request.from.nodeId}` : 'Add a step'} value={query}
            onChange={e => { setQuery(e.target.value); setCursor(0); }} />
        </div>
        <ul className="picker-items" role="listbox" aria-label="activities and connector cards">
          {flat.map((item, i) => (
            <li key={item.key} role="option" aria-selected={i === at}>
              {item.kind === 'activity' ? (
                <button type="button" className={`picker-item${i === at ? ' current' : ''}`} data-testid={`pick-${item.descriptor.type}`}
                  onMouseEnter={() => setCursor(i)} onClick={() => pick(item)} title={item.descriptor.description}>
                  <ActivityIcon look={categoryLook(item.descriptor.category)} size={13} />
                  <span className="picker-name">{item.name}</span>
                  <span className="picker-category">{item.descriptor.category}</span>
                </button>
              ) : (
                <button type="button" className={`picker-item picker-card${i === at ? ' current' : ''}`} data-testid={`pick-card-${item.card.connector}-${item.card.flowId}`}
                  style={{ borderLeftColor: item.card.accentColor ?? undefined }}
                  onMouseEnter={() => setCursor(i)} onClick={() => pick(item)} title={`${item.card.connectorName}: ${item.name}\n${item.card.card.description ?? ''}`}>
                  <BrandIcon iconUrl={item.card.iconUrl} color={item.card.accentColor} name={item.card.connectorName} size={16} />
                  <span className="picker-name">{item.name}</span>
                  <span className="picker-category">{item.card.connectorName}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
        {flat.length === 0 && <p className="hint">Nothing matches.</p>}
      </div>
    </>
  );
}
