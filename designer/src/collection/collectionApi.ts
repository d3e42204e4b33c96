// Typed client of the data-collection API (/api/collection/…), in the style of ../api.ts.
import { ApiError, detailOf, request } from '../api';
import type { Schemas } from '../api/client';
import { apiKey } from '../session';

// The wire types are the generated ones (api/schema.ts); narrowed where the document types a field as a string.
export type TemplateSetting = Schemas['CollectionTemplateSetting'];
export type TemplateSummary = Omit<Schemas['CollectionTemplateSummary'], 'auth'> & { auth: 'apiKey' | 'oauth2ClientCredentials' };
/** A coming run in the schedule's zone: its local time with the UTC offset (a DST change shows as a new offset). */
export type NextRun = Schemas['CollectionNextRun'];
export type Schedule = Schemas['CollectionScheduleResponse'];
export type RunStatus = 'running' | 'succeeded' | 'failed' | 'suspicious' | 'cancelled';
export type CollectionRun = Omit<Schemas['CollectionRunResponse'], 'status'> & { status: RunStatus };
/** What one page of a template gave (POST /api/collection/templates/test). */
export interface TemplateTest {
  status: number; contentType?: string | null; sample?: unknown; records?: number;
  users?: Record<string, string | null>[]; filteredOut?: unknown[]; withoutId?: unknown[];
  next?: { kind: string; more: boolean; cursor?: string | null; offset?: number; page?: number; url?: string; description?: string; problem?: string };
  problems: { path: string; message: string }[];
  request?: { url: string; query: Record<string, unknown> };
}
export type CollectionSource = Omit<Schemas['CollectionSourceResponse'], 'lastRun'> & { lastRun: CollectionRun | null };
export type CollectedUser = Schemas['CollectedUserResponse'];
export type UserPage = Schemas['CollectedUserPage'];
export type Summary = Schemas['CollectionSummaryResponse'];
export type SortField = 'name' | 'email' | 'department' | 'status' | 'created' | 'lastActivity' | 'vendorId';
export interface UserQuery { sort: SortField; dir: 'asc' | 'desc'; search?: string; department?: string; page: number; pageSize: number }
export interface AddSource {
  template?: string; templateJson?: unknown; name: string; key?: string; settings: Record<string, string>;
  schedule: { enabled: boolean; time: string; timeZone: string }; baseUrl?: string; tokenUrl?: string;
}

export interface CollectionApi {
  templates(): Promise<TemplateSummary[]>;
  sources(): Promise<CollectionSource[]>;
  source(key: string): Promise<CollectionSource>;
  addSource(body: AddSource): Promise<CollectionSource>;
  setSchedule(key: string, schedule: { enabled: boolean; time: string; timeZone: string }): Promise<CollectionSource>;
  startRun(key: string): Promise<CollectionRun>;
  run(id: string): Promise<CollectionRun>;
  runs(key: string): Promise<CollectionRun[]>;
  users(key: string, query: UserQuery): Promise<UserPage>;
  summary(key: string): Promise<Summary>;
  testTemplate(body: { templateJson: unknown; settings: Record<string, string> }): Promise<TemplateTest>;
  cancelRun(id: string): Promise<CollectionRun>;
  confirmRun(id: string): Promise<CollectionRun>;
}

/** The query string of a users request; empty filters are left out. */
export function userQueryString(q: UserQuery): string {
  const p = new URLSearchParams({ sort: q.sort, dir: q.dir, page: String(q.page), pageSize: String(q.pageSize) });
  if (q.search?.trim()) p.set('search', q.search.trim());
  if (q.department) p.set('department', q.department);
  return p.toString();
}

export function createCollectionApi(getKey: () => string = apiKey, base = ''): CollectionApi {
  async function json<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await request(getKey, base, method, path,
      f => new ApiError(f.status, detailOf(f.body) ?? `${f.method} ${f.path}: ${f.status}`, f.body), body);
    // An empty answer (202, 204) is null.
    const text = await response.text();
    try { return (text ? JSON.parse(text) : null) as T; } catch { return text as T; }
  }
  const id = encodeURIComponent;
  return {
    templates: () => json('GET', '/api/collection/templates'),
    sources: () => json('GET', '/api/collection/sources'),
    source: key => json('GET', `/api/collection/sources/${id(key)}`),
    addSource: body => json('POST', '/api/collection/sources', body),
    setSchedule: (key, schedule) => json('PUT', `/api/collection/sources/${id(key)}/schedule`, schedule),
    startRun: key => json('POST', `/api/collection/sources/${id(key)}/runs`),
    run: runId => json('GET', `/api/collection/runs/${id(runId)}`),
    runs: key => json('GET', `/api/collection/sources/${id(key)}/runs`),
    users: (key, q) => json('GET', `/api/collection/sources/${id(key)}/users?${userQueryString(q)}`),
    summary: key => json('GET', `/api/collection/sources/${id(key)}/summary`),
    testTemplate: body => json('POST', '/api/collection/templates/test', body),
    cancelRun: runId => json('POST', `/api/collection/runs/${id(runId)}/cancel`),
    confirmRun: runId => json('POST', `/api/collection/runs/${id(runId)}/confirm`),
  };
}
