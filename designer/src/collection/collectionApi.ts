// Typed client of the data-collection API (/api/collection/…), in the style of ../api.ts: the generated client checks
// every call against the server's OpenAPI document.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient, type RequestFailure, type Schemas } from '../api/client';
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
export type TemplateTest = Schemas['CollectionTemplateTestResult'];
export type CollectionSource = Omit<Schemas['CollectionSourceResponse'], 'lastRun'> & { lastRun: CollectionRun | null };
export type CollectedUser = Schemas['CollectedUserResponse'];
export type UserPage = Schemas['CollectedUserPage'];
export type Summary = Schemas['CollectionSummaryResponse'];
export type SortField = 'name' | 'email' | 'department' | 'status' | 'created' | 'lastActivity' | 'vendorId';
export interface UserQuery { sort: SortField; dir: 'asc' | 'desc'; search?: string; department?: string; page: number; pageSize: number }
/** A connector made from a template: a shipped one's id or templateJson, its connection's settings and its schedule. */
export type AddSource = Schemas['CollectionSourceRequest'];
/** Only the fields sent change; enabling needs the IANA time zone. */
export type ScheduleChange = Schemas['CollectionScheduleRequest'];
/** One page of a template that is not saved yet, with the settings of a connection. */
export type TemplateTestRequest = Schemas['CollectionTemplateTestRequest'];

export interface CollectionApi {
  templates(): Promise<TemplateSummary[]>;
  sources(): Promise<CollectionSource[]>;
  source(key: string): Promise<CollectionSource>;
  addSource(body: AddSource): Promise<CollectionSource>;
  setSchedule(key: string, schedule: ScheduleChange): Promise<CollectionSource>;
  startRun(key: string): Promise<CollectionRun>;
  run(id: string): Promise<CollectionRun>;
  runs(key: string): Promise<CollectionRun[]>;
  users(key: string, query: UserQuery): Promise<UserPage>;
  summary(key: string): Promise<Summary>;
  testTemplate(body: TemplateTestRequest): Promise<TemplateTest>;
  cancelRun(id: string): Promise<CollectionRun>;
  confirmRun(id: string): Promise<CollectionRun>;
}

/** The query of a users request; empty filters are left out. */
export function userQuery(q: UserQuery): { sort: string; dir: string; page: string; pageSize: string; search?: string; department?: string } {
  const query: ReturnType<typeof userQuery> = { sort: q.sort, dir: q.dir, page: String(q.page), pageSize: String(q.pageSize) };
  if (q.search?.trim()) query.search = q.search.trim();
  if (q.department) query.department = q.department;
  return query;
}

/** The query string of a users request; empty filters are left out. */
export function userQueryString(q: UserQuery): string {
  return new URLSearchParams(userQuery(q)).toString();
}

export function createCollectionApi(getKey: () => string = apiKey, base = ''): CollectionApi {
  const client = createServerClient(getKey, base);
  const fail = (f: RequestFailure) => new ApiError(f.status, detailOf(f.body) ?? `${f.method} ${f.path}: ${f.status}`, f.body);
  const source = (key: string) => ({ params: { path: { key } } });
  const run = (id: string) => ({ params: { path: { id } } });
  // The document types run and source statuses as strings; the designer narrows them to the ones the server writes.
  const runOf = (r: Schemas['CollectionRunResponse']) => r as CollectionRun;
  const sourceOf = (s: Schemas['CollectionSourceResponse']) => s as CollectionSource;
  return {
    templates: async () => (await answer(client.GET('/api/collection/templates'), fail)) as TemplateSummary[],
    sources: async () => (await answer(client.GET('/api/collection/sources'), fail)).map(sourceOf),
    source: async key => sourceOf(await answer(client.GET('/api/collection/sources/{key}', source(key)), fail)),
    addSource: async body => sourceOf(await answer(client.POST('/api/collection/sources', { body }), fail)),
    setSchedule: async (key, schedule) => sourceOf(await answer(client.PUT('/api/collection/sources/{key}/schedule', { ...source(key), body: schedule }), fail)),
    startRun: async key => runOf(await answer(client.POST('/api/collection/sources/{key}/runs', source(key)), fail)),
    run: async runId => runOf(await answer(client.GET('/api/collection/runs/{id}', run(runId)), fail)),
    runs: async key => (await answer(client.GET('/api/collection/sources/{key}/runs', source(key)), fail)).map(runOf),
    users: (key, q) => answer(client.GET('/api/collection/sources/{key}/users', { params: { path: { key }, query: userQuery(q) } }), fail),
    summary: key => answer(client.GET('/api/collection/sources/{key}/summary', source(key)), fail),
    testTemplate: body => answer(client.POST('/api/collection/templates/test', { body }), fail),
    cancelRun: async runId => runOf(await answer(client.POST('/api/collection/runs/{id}/cancel', run(runId)), fail)),
    confirmRun: async runId => runOf(await answer(client.POST('/api/collection/runs/{id}/confirm', run(runId)), fail)),
  };
}
