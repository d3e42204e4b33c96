// The template builder's state and the template JSON it makes (schemas/collection-template.schema.json).
// Pure functions, so the steps of the builder stay thin and the JSON is tested on its own.
import type { Schemas } from '../api/client';

export type PaginationKind = 'none' | 'offsetLimit' | 'pageNumber' | 'cursorLimit' | 'linkHeader';
export type MappedField = 'id' | 'email' | 'name' | 'department' | 'status' | 'created';
export const MAPPED_FIELDS: [MappedField, string][] = [
  ['id', 'User id'], ['email', 'Email'], ['name', 'Name'], ['department', 'Department'], ['status', 'Status'], ['created', 'Created'],
];

export interface FilterRow { field: string; operator: 'equals' | 'notEquals'; value: string }

export interface BuilderState {
  // General
  name: string; vendor: string; description: string; baseUrl: string;
  // Authentication
  authKind: 'apiKey' | 'oauth2ClientCredentials';
  header: string; tokenType: string; token: string;
  tokenUrl: string; scope: string; credentials: 'basic' | 'body'; clientId: string; clientSecret: string;
  // Request
  usersUrl: string; query: string;
  // Pagination
  pagination: PaginationKind; offsetParameter: string; limitParameter: string; pageParameter: string; pageSizeParameter: string;
  firstPage: string; cursorParameter: string; cursorPath: string; limit: string; stopOnShortPage: boolean;
  // Response mapping
  recordsPath: string; mapping: Record<MappedField, string>;
  // Filters
  filters: FilterRow[];
  // Activity
  activityType: 'none' | 'lastActivity'; lastActivityField: string; application: string;
}

export function emptyState(): BuilderState {
  return {
    name: '', vendor: '', description: '', baseUrl: '',
    authKind: 'apiKey', header: 'Authorization', tokenType: 'Bearer', token: '',
    tokenUrl: '', scope: '', credentials: 'basic', clientId: '', clientSecret: '',
    usersUrl: '', query: '',
    pagination: 'none', offsetParameter: 'offset', limitParameter: 'limit', pageParameter: 'page', pageSizeParameter: 'per_page',
    firstPage: '1', cursorParameter: 'cursor', cursorPath: '', limit: '100', stopOnShortPage: false,
    recordsPath: '', mapping: { id: 'id', email: '', name: '', department: '', status: '', created: '' },
    filters: [],
    activityType: 'none', lastActivityField: '', application: '',
  };
}

/** "a=1" lines of the Request step as an object; blank lines are skipped. */
export function parseQuery(text: string): Record<string, string> {
  const query: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    if (at <= 0) continue;
    query[trimmed.slice(0, at).trim()] = trimmed.slice(at + 1).trim();
  }
  return query;
}

// The server refuses these (CredentialUrls): said here as soon as they are typed.
const CREDENTIAL_NAMES = new Set(['token', 'accesstoken', 'authtoken', 'apikey', 'apitoken', 'key', 'accesskey', 'secret', 'clientsecret', 'password', 'passwd', 'pwd', 'sig', 'signature', 'auth', 'authorization']);
export function looksLikeCredential(name: string): boolean {
  const n = name.toLowerCase().replace(/[^a-z0-9]/g, '');
  if (!n || ['page', 'cursor', 'next', 'continuation', 'sync', 'offset'].some(p => n.includes(p))) return false;
  return CREDENTIAL_NAMES.has(n) || n.endsWith('token') || n.endsWith('secret') || n.endsWith('password') || n.endsWith('apikey');
}

/** Query parameter names (in the users URL or the fixed query) that would put a credential in the URL. */
export function credentialsInUrl(state: BuilderState): string[] {
  const names = Object.keys(parseQuery(state.query));
  const q = state.usersUrl.indexOf('?');
  if (q >= 0) names.push(...state.usersUrl.slice(q + 1).split('&').map(p => decodeURIComponent(p.split('=')[0] ?? '')));
  return names.filter(looksLikeCredential);
}

function filterValue(text: string): string | number | boolean | null {
  const t = text.trim();
  if (t === 'true') return true;
  if (t === 'false') return false;
  if (t === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(t)) return Number(t);
  return text;
}

/** A collection template (schemas/collection-template.schema.json), as the OpenAPI document describes it. */
export type TemplateJson = Schemas['CollectionTemplateDocument'];

/** The template JSON of the builder's state (what POST /api/collection/sources takes as templateJson). */
export function toTemplateJson(s: BuilderState): TemplateJson {
  const auth: Record<string, unknown> = s.authKind === 'apiKey'
    ? { kind: 'apiKey', header: s.header.trim() || 'Authorization', tokenType: s.tokenType.trim() }
    : { kind: 'oauth2ClientCredentials', tokenUrl: s.tokenUrl.trim(), credentials: s.credentials, ...(s.scope.trim() ? { scope: s.scope.trim() } : {}) };
  const limit = Number(s.limit) || 100;
  const pagination: Record<string, unknown> = { kind: s.pagination };
  switch (s.pagination) {
    case 'offsetLimit':
      Object.assign(pagination, { offsetParameter: s.offsetParameter, limitParameter: s.limitParameter, limit });
      if (s.stopOnShortPage) pagination.stopOnShortPage = true;
      break;
    case 'pageNumber':
      Object.assign(pagination, { pageParameter: s.pageParameter, pageSizeParameter: s.pageSizeParameter, firstPage: Number(s.firstPage) || 0, limit });
      if (s.stopOnShortPage) pagination.stopOnShortPage = true;
      break;
    case 'cursorLimit':
      Object.assign(pagination, { cursorParameter: s.cursorParameter, cursorPath: s.cursorPath.trim(), limitParameter: s.limitParameter, limit });
      break;
    case 'linkHeader':
      Object.assign(pagination, { limitParameter: s.limitParameter, limit });
      break;
  }
  const mapping: Record<string, string> = {};
  for (const [field] of MAPPED_FIELDS) if (s.mapping[field].trim()) mapping[field] = s.mapping[field].trim();
  const template: Record<string, unknown> = {
    format: 1,
    name: s.name.trim(),
    vendor: s.vendor.trim(),
    baseUrl: s.baseUrl.trim(),
    auth,
    usersUrl: s.usersUrl.trim(),
    pagination,
    recordsPath: s.recordsPath.trim(),
    mapping,
  };
  if (s.description.trim()) template.description = s.description.trim();
  const query = parseQuery(s.query);
  if (Object.keys(query).length > 0) template.query = query;
  const filters = s.filters.filter(f => f.field.trim());
  if (filters.length > 0) template.filters = filters.map(f => ({ field: f.field.trim(), operator: f.operator, value: filterValue(f.value) }));
  const activity: Record<string, string> = {};
  if (s.activityType === 'lastActivity' && s.lastActivityField.trim()) activity.lastActivityField = s.lastActivityField.trim();
  if (s.application.trim()) activity.application = s.application.trim();
  if (Object.keys(activity).length > 0) template.activity = activity;
  // Built member by member from what the builder holds; the server's template reader checks it.
  return template as TemplateJson;
}

/** The connection settings of the state: the secret values, which go in the (encrypted) connection, never in the template. */
export function settingsOf(s: BuilderState): Record<string, string> {
  return s.authKind === 'apiKey' ? { token: s.token } : { clientId: s.clientId, clientSecret: s.clientSecret };
}

/**
 * A field picked in the sample, as the path a template needs: relative to a record when it is inside the records
 * (members.3.profile.email with records at members is profile.email), else from the top of the body.
 */
export function relativePath(path: string[], recordsPath: string): { inRecord: boolean; path: string } {
  const records = recordsPath.split('.').filter(Boolean);
  const inRecords = path.length > records.length + 1 && records.every((segment, i) => path[i] === segment) && /^\d+$/.test(path[records.length]);
  return inRecords ? { inRecord: true, path: path.slice(records.length + 1).join('.') } : { inRecord: false, path: path.join('.') };
}
