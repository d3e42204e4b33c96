// The designer's import API calls, all in this file: the Postman import (POST /api/postman/preview and /import) and the
// OpenAPI import (POST /api/openapi/preview and /import; server: PostmanEndpoints.cs, OpenApiImportEndpoints.cs, which
// share ImportUploads.cs). Both post the source as text with an optional name and answer the connector it becomes.
import { answer, createServerClient, type RequestFailure, type Schemas } from '../api/client';
import { apiKey } from '../session';

// The wire types are the generated ones (api/schema.ts, from the server's OpenAPI document); only names are given here.

export type ImportWarning = Schemas['ImportWarningView'];

/** One action card the import makes (auth: what it sends instead of the connector's, OpenAPI import only). */
export type ImportedAction = Schemas['ImportActionView'];

/** What saving the import changes: the version it becomes and the actions added, removed, changed and kept. */
export type ImportChanges = Schemas['ImportChangesView'];

/** What both imports answer: the connector the source becomes and what saving it changes. */
export type ImportResultBase = Schemas['PostmanImportResponse'] | Schemas['OpenApiImportResponse'];

export type ImportPreview = Schemas['PostmanImportResponse'];

export type OpenApiImportResult = Schemas['OpenApiImportResponse'];

/** The kind of auth the imported connector uses ('none' without one): the document types auth as the connector's JSON object. */
export function authKind(auth: Schemas['JsonObject'] | null): string {
  return typeof auth?.kind === 'string' ? auth.kind : 'none';
}

/** A refused import: the problem's detail and the place in the source it names. */
export class ImportError extends Error {
  constructor(message: string, public places: ImportWarning[]) {
    super(message);
  }
}

/** The errors of an RFC 9457 problem body as "path: message" lines (or its detail when it has none). */
export function problemLines(body: unknown): string[] {
  const b = body as { detail?: string; title?: string; errors?: { path?: string; message?: string }[] } | null;
  if (b && Array.isArray(b.errors) && b.errors.length > 0)
    return b.errors.map(e => (e.path ? `${e.path}: ${e.message ?? ''}` : e.message ?? ''));
  return [b?.detail ?? b?.title ?? 'the server refused the request'];
}

/** A refused import as an ImportError: the problem's lines and the places in the source it names. */
function importFailure(keyHint: string) {
  return (f: RequestFailure) => {
    const places = ((f.body as { errors?: ImportWarning[] } | null)?.errors ?? []).filter(e => e && typeof e.path === 'string');
    return new ImportError(f.status === 401 ? `the API key is missing or wrong (${keyHint})` : problemLines(f.body).join('\n'), places);
  };
}

/** The name as sent: left out when blank, so the server takes the source's own. */
const nameOf = (name: string) => name.trim() || undefined;

// Both post the source's text as it is, so the server reports where it cannot be read.
export function createPostmanApi(getKey: () => string = apiKey, base = '') {
  const client = createServerClient(getKey, base);
  const fail = importFailure('set it in the Flows toolbar');
  const body = (collection: string, name: string): Schemas['PostmanImportRequest'] => ({ collection, name: nameOf(name) });
  return {
    preview: (collection: string, name: string) => answer(client.POST('/api/postman/preview', { body: body(collection, name) }), fail),
    save: (collection: string, name: string) => answer(client.POST('/api/postman/import', { body: body(collection, name) }), fail),
  };
}

export function createOpenApiImportApi(getKey: () => string = apiKey, base = '') {
  const client = createServerClient(getKey, base);
  const fail = importFailure('sign in first');
  const body = (spec: string, name: string): Schemas['OpenApiImportRequest'] => ({ spec, name: nameOf(name) });
  return {
    preview: (spec: string, name: string) => answer(client.POST('/api/openapi/preview', { body: body(spec, name) }), fail),
    apply: (spec: string, name: string) => answer(client.POST('/api/openapi/import', { body: body(spec, name) }), fail),
  };
}

/** The version step a re-import takes, by the catalog's semver rules: breaking changes are major. */
export function versionStep(changes: ImportChanges): 'new' | 'none' | 'major' | 'minor' {
  if (changes.isNew) return 'new';
  if (changes.previousVersion === changes.version) return 'none';
  const major = (v: string | null) => Number((v ?? '0').split('.')[0]);
  return major(changes.version) > major(changes.previousVersion) ? 'major' : 'minor';
}

/** Actions by card group, groups in first-seen order ("" = no folder or tag). */
export function groupActions<A extends ImportedAction>(actions: A[]): [string, A[]][] {
  const groups = new Map<string, A[]>();
  for (const a of actions) {
    const list = groups.get(a.group) ?? [];
    list.push(a);
    groups.set(a.group, list);
  }
  return [...groups.entries()];
}
