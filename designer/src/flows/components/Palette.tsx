import { useMemo, useState, type DragEvent } from 'react';
import { groupPalette } from '../palette';
import type { ActivityDescriptor } from '../../types';
import type { NodePreset } from '../../connectors/cardNode';
import { ConnectorCardsPalette } from '../../connectors/ConnectorCardsPalette';
import { ActivityIcon, categoryLook } from '../../look';

export const DRAG_TYPE = 'application/x-flowconnectors-activity';

export function Palette({ descriptors, onAdd }: { descriptors: ActivityDescriptor[]; onAdd: (type: string, preset?: NodePreset) => void }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => groupPalette(descriptors, query), [descriptors, query]);
  const onDragStart = (event: DragEvent, type: string) => {
    event.dataTransfer.setData(DRAG_TYPE, type);
    event.dataTransfer.setData('text/plain', type);
    event.dataTransfer.effectAllowed = 'move';
  };
  return (
    <aside className="palette">
      <input className="palette-search" placeholder="Search activities" value={query} onChange={e => setQuery(e.target.value)} aria-label="Search activities" />
      {descriptors.length === 0 && <p className="hint">Sign in to load the activities.</p>}
      {groups.map(group => {
        const look = categoryLook(group.category);
        return (
        <section key={group.category} style={{ ['--accent' as string]: look.color }}>
          <h4><span className="swatch" style={{ background: look.color }} />{group.category}</h4>
          {group.items.map(d => (
            <div
              key={d.type}
              className="palette-item"
              draggable
              data-testid={`palette-${d.type}`}
              title={`${d.description}\n(drag onto the canvas, or double-click to add)`}
              onDragStart={e => onDragStart(e, d.type)}
              onDoubleClick={() => onAdd(d.type)}
            >
              <ActivityIcon look={look} size={13} />
              <span className="palette-name">{d.displayName || d.type}</span>
              {d.trigger && <span className="palette-trigger" title="a trigger: starts the flow">trigger</span>}
            </div>
          ))}
        </section>
        );
      })}
      <ConnectorCardsPalette query={query} reloadWhen={descriptors} dragType={DRAG_TYPE} onAdd={onAdd} />
    </aside>
  );
}
