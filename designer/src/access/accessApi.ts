// Users, roles, API keys and the audit log (GET/POST /api/users, /api/keys, /api/audit), through the designer's one
// generated client (../api/client.ts); the types are the server's, from its OpenAPI document.
import { answer, createServerClient, type RequestFailure, type Schemas } from '../api/client';
import { detailOf } from '../api';

export type AccessUser = Schemas['UserResponse'];
/** A key as listed; `key` only in the answer that created it (shown once). */
export type AccessKey = Schemas['KeyResponse'] & { key?: string };
export type AuditEntry = Schemas['AuditEntryResponse'];

export const ROLES = ['owner', 'admin', 'editor', 'operator', 'viewer', 'catalog-reviewer'];

export function createAccessApi(getKey: () => string, base = '') {
  const client = createServerClient(getKey, base);
  const fail = (f: RequestFailure) => new Error(`${f.status} ${detailOf(f.body) ?? f.text}`);
  const user = (id: string) => ({ params: { path: { id } } });
  return {
    users: () => answer(client.GET('/api/users'), fail),
    createUser: (userName: string, password: string, roles: string[]) => answer(client.POST('/api/users', { body: { userName, password, roles } }), fail),
    setRoles: (id: string, roles: string[]) => answer(client.PUT('/api/users/{id}/roles', { ...user(id), body: { roles } }), fail),
    disable: (id: string) => answer(client.POST('/api/users/{id}/disable', user(id)), fail),
    enable: (id: string) => answer(client.POST('/api/users/{id}/enable', user(id)), fail),
    keys: () => answer(client.GET('/api/keys'), fail),
    createKey: (name: string, scopes: string[], expiresInDays?: number) =>
      answer(client.POST('/api/keys', { body: { name, scopes, ...(expiresInDays ? { expiresInDays } : {}) } }), fail) as Promise<AccessKey>,
    revokeKey: (id: string) => answer(client.DELETE('/api/keys/{id}', user(id)), fail),
    audit: () => answer(client.GET('/api/audit', { params: { query: { take: 50 } } }), fail),
  };
}
