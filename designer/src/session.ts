// The one place the designer knows who is signed in. A browser signs in with the one-time link the server prints
// (or a user name and password, or an OpenID Connect provider): a cookie set by the server (HttpOnly,
// SameSite=Strict) and the antiforgery token every change sends. An API key, entered in the same sign-in menu and
// kept in localStorage, stands in for that cookie; every view and client reads both from here, and no view asks
// for anything itself.
import { useSyncExternalStore } from 'react';
import type { components } from './api/schema';

export type SessionUser = components['schemas']['SessionUser'];
export type Provider = components['schemas']['SignInProvider'];
/** The server's /auth/session answer, and what the designer adds to it. */
export interface Session extends Omit<components['schemas']['SessionResponse'], 'csrfToken'> {
  /** Absent until the server has answered (the generated type says null when the server has none). */
  csrfToken?: string | null;
  /** How the browser is signed in: the session cookie, or an API key entered in the sign-in menu. */
  via?: 'session' | 'apiKey';
  /** False until the server has answered once (views then show neither content nor a sign-in prompt). */
  checked?: boolean;
  /** The stored API key was refused (revoked, expired): it is forgotten and the sign-in menu says why. */
  keyRejected?: boolean;
}

export const API_KEY_STORAGE = 'flowconnectors.apiKey';

const SIGNED_OUT: Session = { signedIn: false, providers: [], checked: true };
let current: Session = { signedIn: false, providers: [], checked: false };
const listeners = new Set<() => void>();

function set(session: Session) {
  current = session;
  listeners.forEach(l => l());
}

/** The API key entered in the sign-in menu ('' when none): what the API clients send when there is no session cookie. */
export function storedApiKey(): string {
  try { return localStorage.getItem(API_KEY_STORAGE) ?? ''; } catch { return ''; }
}

/** The antiforgery token for the request headers of changes (POST, PUT, PATCH, DELETE). */
export function csrfToken(): string | undefined { return current.csrfToken ?? undefined; }

/** The key the API clients send: the stored API key while the browser is signed in with it, else none (the cookie speaks). */
export function apiKey(): string {
  return current.via === 'apiKey' ? storedApiKey() : '';
}

async function readSession(base: string, key?: string): Promise<Session> {
  const response = await fetch(`${base}/auth/session`, { cache: 'no-store', headers: key ? { 'X-Api-Key': key } : {} });
  return response.ok ? await response.json() as Session : SIGNED_OUT;
}

/**
 * Reads the session from the server: the session cookie first (the sign-in link, a password, a provider), else the
 * stored API key. A stored key the server no longer accepts is forgotten and said so (signed out when nothing answers).
 */
export async function loadSession(base = ''): Promise<Session> {
  try {
    const cookie = await readSession(base);
    const key = storedApiKey();
    if (cookie.signedIn || !key) set({ ...cookie, checked: true, via: cookie.signedIn ? 'session' : undefined });
    else {
      const keyed = await readSession(base, key);
      if (!keyed.signedIn) localStorage.removeItem(API_KEY_STORAGE);
      set({ ...keyed, checked: true, via: keyed.signedIn ? 'apiKey' : undefined, keyRejected: !keyed.signedIn });
    }
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
  const session = await response.json() as Session;
  set({ ...session, checked: true, via: session.signedIn ? 'session' : undefined });
  return current;
}

export async function signIn(userName: string, password: string): Promise<Session> {
  // A password sign-in replaces a key: the cookie is who the browser is from now on.
  localStorage.removeItem(API_KEY_STORAGE);
  return answer(await post('/auth/login', { userName, password }));
}

/** Signs the browser in with an API key (for servers without users to sign in as, and for scripts' keys); refused keys are not kept. */
export async function signInWithKey(key: string): Promise<Session> {
  const trimmed = key.trim();
  if (!trimmed) throw new Error('enter an API key');
  localStorage.setItem(API_KEY_STORAGE, trimmed);
  const session = await loadSession();
  if (!session.signedIn) {
    localStorage.removeItem(API_KEY_STORAGE);
    set({ ...current, keyRejected: false }); // said by the error below, not as a kept key gone stale
    throw new Error('the server did not accept this API key');
  }
  return session;
}

/** The owner made at first start chooses a user name and password (signed in through the printed URL). */
export async function setUpOwner(userName: string, password: string): Promise<Session> {
  return answer(await post('/auth/setup', { userName, password }));
}

export async function signOut(): Promise<void> {
  if (current.via === 'apiKey') localStorage.removeItem(API_KEY_STORAGE);
  else await post('/auth/logout');
  await loadSession();
}

export function may(session: Session, permission: string): boolean {
  return session.permissions?.includes(permission) ?? false;
}

/**
 * What the signed-in user may do: the permissions /auth/session returns (their roles', narrowed to their key's scopes).
 * Every view asks here before it shows an action (publish, delete, deauthorize, approve, retry, admin); the server
 * enforces the same rights, so a hidden button is a courtesy, never the protection. Until the server has answered
 * and while signed out, actions show (the views ask the user to sign in instead).
 */
export function can(permission: string, session: Session = current): boolean {
  return !session.signedIn || may(session, permission);
}

/** <c>can</c> bound to the session a component renders with (re-renders when it changes). */
export function useCan(): (permission: string) => boolean {
  const session = useSession();
  return (permission: string) => can(permission, session);
}

// The sign-in menu is the one place that asks; a view that needs a signed-in browser opens it.
let menuOpen = false;
const menuListeners = new Set<() => void>();
export function setSignInOpen(open: boolean): void {
  menuOpen = open;
  menuListeners.forEach(l => l());
}
export function useSignInOpen(): boolean {
  return useSyncExternalStore(l => { menuListeners.add(l); return () => menuListeners.delete(l); }, () => menuOpen);
}

export function useSession(): Session {
  return useSyncExternalStore(l => { listeners.add(l); return () => listeners.delete(l); }, () => current);
}
