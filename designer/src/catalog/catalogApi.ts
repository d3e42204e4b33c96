// The typed client of the catalog API (/api/catalog, flow diffs, moving pinned automations), in the style of ../api.ts.
import { ApiError } from '../api';

export type ReviewStatus = 'submitted' | 'approved' | 'rejected';

export interface CatalogVersion { version: string; digest: string; status: ReviewStatus; reason: string | null }
export interface CatalogConnector { key: string; name: string; installedVersion: string | null; loadedVersions: string[]; versions: CatalogVersion[] }
export interface DiffChange { op: '+' | '-' | '~'; text: string; breaking: boolean }
export interface DiffSection { title: string; changes: DiffChange[] }
export interface Diff { sections: DiffSection[]; changes: number; breaking: number; text: string; from?: string | number | null; to?: string | number }
export interface Published { key: string; version: string; digest: string; status: ReviewStatus; created: boolean; previousVersion: string | null; diff: Diff | null }
export interface TestSummary { passed: number; failed: number }
export interface Installed { key: string; version: string; digest: string; previousVersion: string | null; loadedVersions: string[]; diff: Diff; tests: TestSummary }
export interface InstalledConnector { key: string; name: string; version: string }
export interface FlowVersion { flowId: string; version: number; published: boolean }

export interface CatalogApi {
  list(): Promise<CatalogConnector[]>;
  installedConnectors(): Promise<InstalledConnector[]>;
  submitPackage(file: Blob): Promise<Published>;
  exportUrl(key: string): string;
  exportPackage(key: string): Promise<Blob>;
  submitInstalled(key: string): Promise<Published>;
  review(key: string, version: string, status: 'approved' | 'rejected', reason?: string): Promise<CatalogVersion>;
  diff(key: string, version: string, from?: string): Promise<Diff>;
  install(key: string, version: string, allowUnapproved?: boolean): Promise<Installed>;
  flowVersions(flowId: string): Promise<FlowVersion[]>;
  flowDiff(flowId: string, from: number, to: number): Promise<Diff>;
}

export function createCatalogApi(getKey: () => string, base = ''): CatalogApi {
  async function call(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<Response> {
    const headers: Record<string, string> = { 'X-Api-Key': getKey() };
    let payload: BodyInit | undefined;
    if (body instanceof Blob) { headers['Content-Type'] = contentType; payload = body; }
    else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
    const response = await fetch(base + path, { method, headers, body: payload });
    if (!response.ok) {
      const text = await response.text();
      let parsed: unknown = text;
      try { parsed = JSON.parse(text); } catch { /* not JSON */ }
      const p = parsed as { detail?: string; title?: string; errors?: unknown[] } | null;
      const details = Array.isArray(p?.errors) ? p!.errors.filter(e => typeof e === 'string') as string[] : [];
      throw new ApiError(response.status, [p?.detail ?? p?.title ?? text, ...details].join('\n'), parsed);
    }
    return response;
  }
  const json = async <T>(method: string, path: string, body?: unknown, contentType?: string) =>
    (await (await call(method, path, body, contentType)).json()) as T;
  const id = encodeURIComponent;
  return {
    list: async () => (await json<{ connectors: CatalogConnector[] }>('GET', '/api/catalog')).connectors,
    installedConnectors: () => json('GET', '/api/connectors'),
    submitPackage: file => json('POST', '/api/catalog/packages', file, 'application/zip'),
    exportUrl: key => `${base}/api/catalog/export/${id(key)}`,
    exportPackage: async key => (await call('GET', `/api/catalog/export/${id(key)}`)).blob(),
    submitInstalled: key => json('POST', `/api/catalog/export/${id(key)}/submit`),
    review: (key, version, status, reason) => json('POST', `/api/catalog/${id(key)}/${id(version)}/review`, { status, reason }),
    diff: (key, version, from) => json('GET', `/api/catalog/${id(key)}/${id(version)}/diff${from ? `?from=${id(from)}` : ''}`),
    install: (key, version, allowUnapproved = false) => json('POST', `/api/catalog/${id(key)}/${id(version)}/install`, { allowUnapproved }),
    flowVersions: flowId => json('GET', `/api/flows/${id(flowId)}/versions`),
    flowDiff: (flowId, from, to) => json('GET', `/api/flows/${id(flowId)}/diff?from=${from}&to=${to}`),
  };
}
