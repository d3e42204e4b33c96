// Typed client of the OpenAPI import API (POST /api/openapi/preview and /api/openapi/import; server: OpenApiImportEndpoints.cs).
import { request } from '../api';
import { apiKey } from '../session';
import { ImportError, problemLines, type ImportWarning } from '../postman/postmanApi';

export interface OpenApiAction {
  id: string;
  label: string;
  group: string;
  method: string;
  path: string;
  inputs: string[];
  outputs: string[];
  examples: number;
  source: string;
  auth: string | null;
}

export interface DiffChange { op: string; text: string; breaking: boolean }
export interface DiffSection { title: string; changes: DiffChange[] }
/** The catalog's semantic diff from the installed connector to the re-import. */
export interface ImportDiff { sections: DiffSection[]; changes: number; breaking: number; text: string }

export interface OpenApiChanges {
  isNew: boolean;
  previousVersion: string | null;
  version: string;
  added: string[];
  removed: string[];
  changed: { id: string; label: string; what: string[] }[];
  connector: string[];
  kept: string[];
  diff: ImportDiff | null;
  lines: string[];
}

export interface OpenApiImportResult {
  key: string;
  name: string;
  baseUrl: string;
  auth: ({ kind: string } & Record<string, unknown>) | null;
  connectionParameters: { name: string; type: string; default: string | null; source: string; required: boolean }[];
  actions: OpenApiAction[];
  warnings: ImportWarning[];
  changes: OpenApiChanges;
  installed: boolean;
}

/** The version step a re-import takes, by the catalog's semver rules: breaking changes are major. */
export function versionStep(changes: OpenApiChanges): 'new' | 'none' | 'major' | 'minor' {
  if (changes.isNew) return 'new';
  if (changes.previousVersion === changes.version) return 'none';
  const major = (v: string | null) => Number((v ?? '0').split('.')[0]);
  return major(changes.version) > major(changes.previousVersion) ? 'major' : 'minor';
}

export function createOpenApiImportApi(getKey: () => string = apiKey, base = '') {
  async function post(path: string, spec: string, name: string): Promise<OpenApiImportResult> {
    // The description's text as it is (YAML or JSON): the server reports where it cannot be read.
    const response = await request(getKey, base, 'POST', path, f => {
      const places = ((f.body as { errors?: ImportWarning[] } | null)?.errors ?? []).filter(e => e && typeof e.path === 'string');
      return new ImportError(f.status === 401 ? 'the API key is missing or wrong (sign in first)' : problemLines(f.body).join('\n'), places);
    }, { spec, name: name.trim() || undefined });
    return (await response.json()) as OpenApiImportResult;
  }
  return {
    preview: (spec: string, name: string) => post('/api/openapi/preview', spec, name),
    apply: (spec: string, name: string) => post('/api/openapi/import', spec, name),
  };
}
