// The typed client of the catalog API (/api/catalog, flow diffs, moving pinned automations), in the style of ../api.ts.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient, type RequestFailure, type Schemas } from '../api/client';

export type ReviewStatus = 'submitted' | 'approved' | 'rejected';

// The wire types are the generated ones (api/schema.ts); narrowed where the document types a field as a string or a
// JSON object: the review status is one of ReviewStatus, and diffs are the catalog's semantic diff.
/** A version in the catalog and its review. */
export type CatalogVersion = Omit<Schemas['CatalogVersionResponse'], 'status'> & { status: ReviewStatus };
export type CatalogConnector = Omit<Schemas['CatalogConnector'], 'versions'> & { versions: CatalogVersion[] };
// The catalog's semantic diff (connector versions, flow versions, a re-import); a change's op is +, - or ~.
export type DiffChange = Omit<Schemas['DiffChangeView'], 'op'> & { op: '+' | '-' | '~' };
export type DiffSection = Omit<Schemas['DiffSectionView'], 'changes'> & { changes: DiffChange[] };
/** A diff; between two versions of a connector (from: "installed 1.2.0", a version or null) or of a flow (version numbers). */
export type Diff = Omit<Schemas['DiffView'], 'sections'> & {
  sections: DiffSection[];
  from?: Schemas['CatalogDiffResponse']['from'] | Schemas['FlowDiffResponse']['from'];
  to?: Schemas['CatalogDiffResponse']['to'] | Schemas['FlowDiffResponse']['to'];
};
export type Published = Omit<Schemas['CatalogPublished'], 'status' | 'diff'> & { status: ReviewStatus; diff: Diff | null };
export type Installed = Omit<Schemas['CatalogInstalled'], 'diff'> & { diff: Diff };
export type InstalledConnector = Schemas['ConnectorResponse'];
export type FlowVersion = Schemas['FlowVersionResponse'];

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
  const client = createServerClient(getKey, base);
  const fail = (f: RequestFailure) => {
    // A refusal lists its breaking changes, failed tests or package problems one line each.
    const details = (f.body as Schemas['ProblemDetails'] | null)?.details ?? [];
    return new ApiError(f.status, [detailOf(f.body) ?? f.text, ...details].join('\n'), f.body);
  };
  const version = (key: string, v: string) => ({ params: { path: { key, version: v } } });
  // The document types a change's op as a string; the designer narrows it to +, - or ~.
  const asDiff = (diff: Schemas['DiffView']) => diff as Diff;
  return {
    list: async () => (await answer(client.GET('/api/catalog'), fail)).connectors as CatalogConnector[],
    installedConnectors: () => answer(client.GET('/api/connectors'), fail),
    // A package is sent as the file it is (application/zip), not as JSON.
    submitPackage: async file => await answer(client.POST('/api/catalog/packages', {
      body: file as unknown as string, bodySerializer: body => body as unknown as Blob, headers: { 'Content-Type': 'application/zip' },
    }), fail) as Published,
    exportUrl: key => `${base}/api/catalog/export/${encodeURIComponent(key)}`,
    exportPackage: async key => await answer(client.GET('/api/catalog/export/{key}', { params: { path: { key } }, parseAs: 'blob' }), fail) as Blob,
    submitInstalled: async key => await answer(client.POST('/api/catalog/export/{key}/submit', { params: { path: { key } } }), fail) as Published,
    review: async (key, v, status, reason) => await answer(client.POST('/api/catalog/{key}/{version}/review', { ...version(key, v), body: { status, reason } }), fail) as CatalogVersion,
    diff: async (key, v, from) =>
      asDiff(await answer(client.GET('/api/catalog/{key}/{version}/diff', { params: { path: { key, version: v }, query: from ? { from } : {} } }), fail)),
    install: async (key, v, allowUnapproved = false) =>
      await answer(client.POST('/api/catalog/{key}/{version}/install', { ...version(key, v), body: { allowUnapproved } }), fail) as Installed,
    flowVersions: flowId => answer(client.GET('/api/flows/{id}/versions', { params: { path: { id: flowId } } }), fail),
    flowDiff: async (flowId, from, to) => asDiff(await answer(client.GET('/api/flows/{id}/diff', { params: { path: { id: flowId }, query: { from, to } } }), fail)),
  };
}
