// Tabs over the workspaces. Each workspace stays mounted once opened (a half-built flow survives a
// look at the connectors); the hash (#/connectors) makes a tab linkable.
import { useEffect, useState } from 'react';
import { WORKSPACES } from './workspaces';

function fromHash(): string {
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return WORKSPACES.some(w => w.id === id) ? id : WORKSPACES[0].id;
}

export function Shell() {
  const [active, setActive] = useState(fromHash);
  const [opened, setOpened] = useState(() => new Set([fromHash()]));
  useEffect(() => {
    const onHash = () => setActive(fromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => setOpened(o => (o.has(active) ? o : new Set([...o, active]))), [active]);
  return (
    <div className="shell">
      {WORKSPACES.length > 1 && (
        <nav className="workspaces" aria-label="workspaces">
          {WORKSPACES.map(w => (
            <a key={w.id} href={`#/${w.id}`} className={w.id === active ? 'active' : undefined} data-testid={`tab-${w.id}`}
              aria-current={w.id === active ? 'page' : undefined}>{w.label}</a>
          ))}
        </nav>
      )}
      {WORKSPACES.filter(w => opened.has(w.id)).map(w => (
        <div key={w.id} className="workspace" hidden={w.id !== active}>{w.render()}</div>
      ))}
    </div>
  );
}
