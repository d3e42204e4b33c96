// Users, roles, API keys and the audit log (GET/POST /api/users, /api/keys, /api/audit), through the designer's one request().
import { detailOf, request } from '../api';

export interface AccessUser { id: string; userName: string; email?: string | null; roles: string[]; disabled: boolean; lockedOutUntil?: string | null; setupPending: boolean; logins: string[] }
export interface AccessKey { id: string; name: string; userId: string; scopes: string[]; createdAt: string; expiresAt?: string | null; revokedAt?: string | null; lastUsedAt?: string | null; status: string; key?: string }
export interface AuditEntry { id: number; at: string; action: string; status: number; userName?: string | null; keyId?: string | null; requestId?: string | null; target?: string | null; detail?: string | null }

export const ROLES = ['owner', 'admin', 'editor', 'operator', 'viewer', 'catalog-reviewer'];

export function createAccessApi(getKey: () => string, base = '') {
  const json = async <T>(method: string, path: string, body?: unknown) => (await (await request(getKey, base, method, path,
    f => new Error(`${f.status} ${detailOf(f.body) ?? f.text}`), body)).json()) as T;
  return {
    users: () => json<AccessUser[]>('GET', '/api/users'),
    createUser: (userName: string, password: string, roles: string[]) => json<AccessUser>('POST', '/api/users', { userName, password, roles }),
    setRoles: (id: string, roles: string[]) => json<AccessUser>('PUT', `/api/users/${encodeURIComponent(id)}/roles`, { roles }),
    disable: (id: string) => json<AccessUser>('POST', `/api/users/${encodeURIComponent(id)}/disable`),
    enable: (id: string) => json<AccessUser>('POST', `/api/users/${encodeURIComponent(id)}/enable`),
    keys: () => json<AccessKey[]>('GET', '/api/keys'),
    createKey: (name: string, scopes: string[], expiresInDays?: number) => json<AccessKey>('POST', '/api/keys', { name, scopes, ...(expiresInDays ? { expiresInDays } : {}) }),
    revokeKey: (id: string) => json<AccessKey>('DELETE', `/api/keys/${encodeURIComponent(id)}`),
    audit: () => json<AuditEntry[]>('GET', '/api/audit?take=50'),
  };
}
