// Open…: a searchable list of the stored flows with their tags (draft, published, active/inactive, connector card),
// instead of a native dropdown. Type to filter, arrows to move, Enter to open, Escape to close.
import { Search } from 'lucide-react';
import { useMemo, useState } from 'react';
import { filterFlows, flowTags, TAG_FILTERS, type TagFilter } from '../flowList';
import type { FlowSummary } from '../../types';

export function FlowList({ flows, onOpen, onClose }: { flows: FlowSummary[]; onOpen: (id: string) => void; onClose: () => void }) {
  const [query, setQuery] = useState('');
  const [tag, setTag] = useState<TagFilter>('all');
  const [cursor, setCursor] = useState(0);
  const shown = useMemo(() => filterFlows(flows, query, tag), [flows, query, tag]);
  const at = Math.min(cursor, Math.max(0, shown.length - 1));
  return (
    <div className="open-flow-list" role="dialog" aria-label="open a flow" data-testid="flow-list"
      onKeyDown={e => {
        if (e.key === 'ArrowDown') { e.preventDefault(); setCursor(Math.min(at + 1, shown.length - 1)); }
        else if (e.key === 'ArrowUp') { e.preventDefault(); setCursor(Math.max(at - 1, 0)); }
        else if (e.key === 'Enter' && shown[at]) { e.preventDefault(); onOpen(shown[at].flowId); }
        else if (e.key === 'Escape') { e.preventDefault(); onClose(); }
      }}>
      <div className="flow-list-search">
        <Search size={14} aria-hidden />
        <input autoFocus aria-label="search flows" placeholder={`Search ${flows.length} flows by id, name or tag`} value={query}
          onChange={e => { setQuery(e.target.value); setCursor(0); }} />
      </div>
      <div className="flow-list-tags" role="group" aria-label="filter by tag">
        {TAG_FILTERS.map(f => (
          <button key={f.id} type="button" className={`tag-filter${tag === f.id ? ' active' : ''}`} aria-pressed={tag === f.id}
            data-testid={`flow-filter-${f.id}`} onClick={() => { setTag(f.id); setCursor(0); }}>{f.label}</button>
        ))}
      </div>
      <ul className="flow-list-items" role="listbox" aria-label="flows">
        {shown.map((f, i) => (
          <li key={f.flowId} role="option" aria-selected={i === at}>
            <button type="button" className={`open-flow-item${i === at ? ' current' : ''}`} data-testid={`flow-item-${f.flowId}`}
              onMouseEnter={() => setCursor(i)} onClick={() => onOpen(f.flowId)}>
              <span className="flow-item-name">{f.name || f.flowId}</span>
              {f.name && <code className="flow-item-id">{f.flowId}</code>}
              <span className="flow-item-tags">
                {flowTags(f).map(t => <span key={t.text} className={`tag tag-${t.kind}`}>{t.text}</span>)}
              </span>
              <span className="flow-item-date">{new Date(f.updatedAt).toLocaleDateString()}</span>
            </button>
          </li>
        ))}
      </ul>
      {shown.length === 0 && <p className="hint" data-testid="flow-list-empty">{flows.length ? 'No flow matches.' : 'No flows stored yet: build one and Save.'}</p>}
    </div>
  );
}
