// Connector cards in the flow palette, grouped by connector: drag one onto the canvas (or double-click)
// to add a Connector.Action node already set to that card.
import { useMemo, type DragEvent } from 'react';
import { CARD_DRAG_TYPE, cardKey, cardPreset, CONNECTOR_ACTION, groupCards, type NodePreset } from './cardNode';
import { BrandIcon } from './BrandIcon';
import './branding.css';
import { useConnectorCards } from './connectorCards';
import { useSession } from '../session';
import type { ConnectorCardInfo } from './types';

export function ConnectorCardsPalette({ query, reloadWhen, dragType, onAdd }: {
  query: string; reloadWhen: unknown; dragType: string; onAdd: (type: string, preset: NodePreset) => void;
}) {
  const cards = useConnectorCards(reloadWhen, useSession().signedIn);
  const groups = useMemo(() => groupCards(cards, query), [cards, query]);
  const onDragStart = (event: DragEvent, card: ConnectorCardInfo) => {
    event.dataTransfer.setData(dragType, CONNECTOR_ACTION);
    event.dataTransfer.setData(CARD_DRAG_TYPE, JSON.stringify(cardPreset(card)));
    event.dataTransfer.effectAllowed = 'move';
  };
  return (
    <div className="connector-cards" data-testid="palette-connector-cards">
      {groups.map(g => (
        <section key={g.connector}>
          <h4 className="connector-cards-head"><BrandIcon iconUrl={g.iconUrl} color={g.accentColor} name={g.connectorName} size={16} />{g.connectorName}</h4>
          {g.cards.map(card => (
            <div key={cardKey(card.connector, card.flowId)} className="palette-item palette-card" draggable data-testid={`palette-card-${card.connector}-${card.flowId}`}
              style={{ borderLeftColor: card.accentColor ?? undefined }}
              title={`${card.connectorName}: ${card.card.label || card.flowId}\n${card.card.description ?? card.name ?? ''}\n(drag onto the canvas, or double-click to add)`}
              onDragStart={e => onDragStart(e, card)} onDoubleClick={() => onAdd(CONNECTOR_ACTION, cardPreset(card))}>
              <BrandIcon iconUrl={card.iconUrl} color={card.accentColor} name={card.connectorName} size={16} />
              <span className="palette-card-label">{card.card.label || card.flowId}</span>
              <span className="palette-card-connector">{card.connectorName}</span>
            </div>
          ))}
        </section>
      ))}
    </div>
  );
}
