// The browser session: who is signed in (a cookie set by the server: HttpOnly, SameSite=Strict), what they may do,
// and the antiforgery token every change sends. Scripts use API keys; a browser that is signed in needs none.
import { useSyncExternalStore } from 'react';

export interface SessionUser { id: string; userName: string; roles: string[]; setupPending: boolean }
export interface Provider { name: string; displayName: string; url: string }
export interface Session {
  signedIn: boolean;
  user?: SessionUser;
  permissions?: string[];
  csrfToken?: string;
  providers: Provider[];
}

const SIGNED_OUT: Session = { signedIn: false, providers: [] };
let current: Session = SIGNED_OUT;
const listeners = new Set<() => void>();

function set(session: Session) {
  current = session;
  listeners.forEach(l => l());
}

/** The antiforgery token for the request headers of changes (POST, PUT, PATCH, DELETE). */
export function csrfToken(): string | undefined { return current.csrfToken; }

/** Reads the session from the server (signed out when it cannot be read). */
export async function loadSession(base = ''): Promise<Session> {
  try {
    const response = await fetch(`${base}/auth/session`, { cache: 'no-store' });
    set(response.ok ? await response.json() as Session : SIGNED_OUT);
  } catch {
    set(SIGNED_OUT);
  }
  return current;
}

async function post(path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': 'application/json' };
  if (current.csrfToken) headers['X-CSRF-Token'] = current.csrfToken;
  return fetch(path, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function answer(response: Response): Promise<Session> {
  if (!response.ok) {
    let message = `${response.status}`;
    try { const p = await response.json() as { detail?: string; title?: string }; message = p.detail ?? p.title ?? message; } catch { /* not JSON */ }
    throw new Error(message);
  }
  set(await response.json() as Session);
  return current;
}

export async function signIn(userName: string, password: string): Promise<Session> {
  return answer(await post('/auth/login', { userName, password }));
}

/** The owner made at first start chooses a user name and password (signed in through the printed URL). */
export async function setUpOwner(userName: string, password: string): Promise<Session> {
  return answer(await post('/auth/setup', { userName, password }));
}

export async function signOut(): Promise<void> {
  await post('/auth/logout');
  await loadSession();
}

export function may(session: Session, permission: string): boolean {
  return session.permissions?.includes(permission) ?? false;
}

export function useSession(): Session {
  return useSyncExternalStore(l => { listeners.add(l); return () => listeners.delete(l); }, () => current);
}
