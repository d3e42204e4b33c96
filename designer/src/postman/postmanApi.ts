// Typed client of the Postman import API (POST /api/postman/preview and /api/postman/import).
import { request } from '../api';
import { apiKey } from '../session';

export interface ImportedAction {
  id: string;
  label: string;
  group: string;
  method: string;
  path: string;
  inputs: string[];
  outputs: string[];
  examples: number;
  source: string;
}

export interface ImportWarning { path: string; message: string }

export interface ImportChanges {
  isNew: boolean;
  previousVersion: string | null;
  version: string;
  added: string[];
  removed: string[];
  changed: { id: string; label: string; what: string[] }[];
  connector: string[];
  lines: string[];
}

export interface ImportPreview {
  key: string;
  name: string;
  baseUrl: string;
  auth: { kind: string } & Record<string, unknown>;
  connectionParameters: { name: string; type: string; default: string | null; source: string }[];
  actions: ImportedAction[];
  warnings: ImportWarning[];
  changes: ImportChanges;
  installed: boolean;
}

/** A refused import: the problem's detail and the place in the collection it names. */
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

export function createPostmanApi(getKey: () => string = apiKey, base = '') {
  async function post(path: string, collection: string, name: string): Promise<ImportPreview> {
    // The file's text as it is: the server reports malformed JSON with its line and column.
    const response = await request(getKey, base, 'POST', path, f => {
      const places = ((f.body as { errors?: ImportWarning[] } | null)?.errors ?? []).filter(e => e && typeof e.path === 'string');
      return new ImportError(f.status === 401 ? 'the API key is missing or wrong (set it in the Flows toolbar)' : problemLines(f.body).join('\n'), places);
    }, { collection, name: name.trim() || undefined });
    return (await response.json()) as ImportPreview;
  }
  return {
    preview: (collection: string, name: string) => post('/api/postman/preview', collection, name),
    save: (collection: string, name: string) => post('/api/postman/import', collection, name),
  };
}

/** Actions by card group, groups in first-seen order ("" = no folder). */
export function groupActions(actions: ImportedAction[]): [string, ImportedAction[]][] {
  const groups = new Map<string, ImportedAction[]>();
  for (const a of actions) {
    const list = groups.get(a.group) ?? [];
    list.push(a);
    groups.set(a.group, list);
  }
  return [...groups.entries()];
}
