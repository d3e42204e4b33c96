// Tabs over the workspaces. Each workspace stays mounted once opened (a half-built flow survives a
// look at the connectors); the hash (#/connectors) makes a tab linkable.
import { useEffect, useState } from 'react';
import { resolveTheme, storedTheme, THEME_STORAGE, type ThemeChoice } from './theme';
import { WORKSPACES } from './workspaces';
import { UserMenu } from './access/UserMenu';
import { useCan } from './session';

const NEXT: Record<ThemeChoice, ThemeChoice> = { system: 'dark', dark: 'light', light: 'system' };

/** Applies the theme to the page (data-theme on <html>) and follows the system while the choice is 'system'. */
function useTheme(): [ThemeChoice, () => void] {
  const [choice, setChoice] = useState<ThemeChoice>(storedTheme);
  useEffect(() => {
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    const apply = () => { document.documentElement.dataset.theme = resolveTheme(choice, media.matches); };
    apply();
    media.addEventListener('change', apply);
    return () => media.removeEventListener('change', apply);
  }, [choice]);
  const cycle = () => setChoice(c => {
    const next = NEXT[c];
    if (next === 'system') localStorage.removeItem(THEME_STORAGE); else localStorage.setItem(THEME_STORAGE, next);
    return next;
  });
  return [choice, cycle];
}

function fromHash(): string {
  const id = window.location.hash.replace(/^#\/?/, '').split('/')[0];
  return WORKSPACES.some(w => w.id === id) ? id : WORKSPACES[0].id;
}

export function Shell() {
  const [active, setActive] = useState(fromHash);
  const [theme, cycleTheme] = useTheme();
  const can = useCan();
  const [opened, setOpened] = useState(() => new Set([fromHash()]));
  useEffect(() => {
    const onHash = () => setActive(fromHash());
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => setOpened(o => (o.has(active) ? o : new Set([...o, active]))), [active]);
  return (
    <div className="shell">
      <nav className="workspaces" aria-label="workspaces">
        {WORKSPACES.length > 1 && WORKSPACES.filter(w => !w.permission || can(w.permission)).map(w => (
          <a key={w.id} href={`#/${w.id}`} className={w.id === active ? 'active' : undefined} data-testid={`tab-${w.id}`}
            aria-current={w.id === active ? 'page' : undefined}>{w.label}</a>
        ))}
        <UserMenu />
        <button className="theme-toggle" data-testid="theme-toggle" onClick={cycleTheme}
          title="Theme: follows the system, or pick light or dark">{theme === 'system' ? '◐ system' : theme === 'dark' ? '☾ dark' : '☀ light'}</button>
      </nav>
      {WORKSPACES.filter(w => opened.has(w.id)).map(w => (
        <div key={w.id} className="workspace" hidden={w.id !== active}>{w.render()}</div>
      ))}
    </div>
  );
}
