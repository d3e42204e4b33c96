// The node picker: Tab on the canvas, dragging a connection from a handle onto empty canvas, or "Add first step".
// Type to search the activities (the same descriptors as the palette), arrows to move, Enter or a click to add:
// the new node is created where the picker opened and connected from the handle it came from.
import { Search } from 'lucide-react';
import { useMemo, useState } from 'react';
import { ActivityIcon, categoryLook } from '../look';
import { groupPalette } from '../palette';
import type { ActivityDescriptor } from '../types';

export interface PickerRequest {
  /** Where the picker shows, in screen pixels. */
  screen: { x: number; y: number };
  /** Where the new node goes, in flow coordinates. */
  position: { x: number; y: number };
  /** The handle the new node is connected from. */
  from?: { nodeId: string; outcome: string };
}

/** Best matches first: a display name that starts with the query, then one that contains it, then the rest (palette order). */
export function rankPicks(items: ActivityDescriptor[], query: string): ActivityDescriptor[] {
  const q = query.trim().toLowerCase();
  if (!q) return items;
  const score = (d: ActivityDescriptor) => {
    const name = (d.displayName || d.type).toLowerCase();
    return name.startsWith(q) ? 0 : name.includes(q) ? 1 : d.type.toLowerCase().includes(q) ? 2 : 3;
  };
  return items.map((d, i) => ({ d, i, s: score(d) })).sort((a, b) => a.s - b.s || a.i - b.i).map(x => x.d);
}

export function NodePicker({ descriptors, request, onPick, onClose }: {
  descriptors: ActivityDescriptor[]; request: PickerRequest; onPick: (type: string) => void; onClose: () => void;
}) {
  const [query, setQuery] = useState('');
  const [cursor, setCursor] = useState(0);
  // Coming from a handle, a trigger cannot follow (nothing connects into it).
  const usable = useMemo(() => (request.from ? descriptors.filter(d => !d.trigger) : descriptors), [descriptors, request.from]);
  const flat = useMemo(() => rankPicks(groupPalette(usable, query).flatMap(g => g.items), query), [usable, query]);
  const at = Math.min(cursor, Math.max(0, flat.length - 1));
  const left = Math.min(request.screen.x, window.innerWidth - 330);
  const top = Math.min(request.screen.y, window.innerHeight - 380);
  return (
    <>
      <div className="picker-backdrop" onMouseDown={onClose} />
      <div className="node-picker" role="dialog" aria-label="add a step" data-testid="node-picker" style={{ left: Math.max(8, left), top: Math.max(8, top) }}
        onKeyDown={e => {
          if (e.key === 'ArrowDown') { e.preventDefault(); setCursor(Math.min(at + 1, flat.length - 1)); }
          else if (e.key === 'ArrowUp') { e.preventDefault(); setCursor(Math.max(at - 1, 0)); }
          else if (e.key === 'Enter' && flat[at]) { e.preventDefault(); onPick(flat[at].type); }
          else if (e.key === 'Escape' || e.key === 'Tab') { e.preventDefault(); e.stopPropagation(); onClose(); }
        }}>
        <div className="flow-list-search">
          <Search size={14} aria-hidden />
          <input autoFocus aria-label="search steps" placeholder={request.from ? `Add a step after ${request.from.nodeId}` : 'Add a step'} value={query}
            onChange={e => { setQuery(e.target.value); setCursor(0); }} />
        </div>
        <ul className="picker-items" role="listbox" aria-label="activities">
          {flat.map((d, i) => (
            <li key={d.type} role="option" aria-selected={i === at}>
              <button type="button" className={`picker-item${i === at ? ' current' : ''}`} data-testid={`pick-${d.type}`}
                onMouseEnter={() => setCursor(i)} onClick={() => onPick(d.type)} title={d.description}>
                <ActivityIcon look={categoryLook(d.category)} size={13} />
                <span className="picker-name">{d.displayName || d.type}</span>
                <span className="picker-category">{d.category}</span>
              </button>
            </li>
          ))}
        </ul>
        {flat.length === 0 && <p className="hint">No activity matches.</p>}
      </div>
    </>
  );
}
