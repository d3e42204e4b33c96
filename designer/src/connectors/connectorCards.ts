// The connector cards GET /api/connector-cards lists, loaded once and shared by the flow palette and the node picker
// (which offer them as steps), and by the branding of nodes. Reloaded when the activities load (signing in) and when
// coming back from another tab (connectors are authored on the Connectors tab).
import { useEffect, useSyncExternalStore } from 'react';
import { setCardBrandings } from './branding';
import { createConnectorsApi } from './connectorsApi';
import type { ConnectorCardInfo } from './types';

let cards: ConnectorCardInfo[] = [];
const listeners = new Set<() => void>();
const api = createConnectorsApi();

export async function reloadConnectorCards(): Promise<void> {
  try { cards = await api.cards(); } catch { cards = []; }
  setCardBrandings(cards);
  listeners.forEach(l => l());
}

/** The cards; `reloadWhen` changing (and a change of tab) loads them again. Nothing loads while `enabled` is false. */
export function useConnectorCards(reloadWhen: unknown, enabled = true): ConnectorCardInfo[] {
  useEffect(() => {
    if (!enabled) return;
    void reloadConnectorCards();
    const onHash = () => void reloadConnectorCards();
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, [reloadWhen, enabled]);
  return useSyncExternalStore(l => { listeners.add(l); return () => { listeners.delete(l); }; }, () => cards);
}
