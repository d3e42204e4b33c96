// The typed client of the catalog API (/api/catalog, flow diffs, moving pinned automations), in the style of ../api.ts.
import { ApiError, detailOf, request } from '../api';

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
  const call = (method: string, path: string, body?: unknown, contentType?: string) => request(getKey, base, method, path, f => {
    const errors = (f.body as { errors?: unknown[] } | null)?.errors;
    const details = Array.isArray(errors) ? errors.filter(e => typeof e === 'string') as string[] : [];
    return new ApiError(f.status, [detailOf(f.body) ?? f.text, ...details].join('\n'), f.body);
  }, body, contentType);
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
