// The typed client of the incidents API (GET /api/incidents), in the style of ../api.ts.
import { ApiError, detailOf, request } from '../api';
import type { components } from '../api/schema';

/** Faulted instances with the same flow, node and message (generated from the OpenAPI document). */
export type Incident = components['schemas']['Incident'];

export type IncidentPage = components['schemas']['IncidentPage'];

export interface IncidentFilter { flowId?: string; nodeId?: string; q?: string; since?: string; skip?: number; take?: number }

export interface IncidentsApi {
  list(query: string): Promise<IncidentPage>;
}

export function createIncidentsApi(getKey: () => string, base = ''): IncidentsApi {
  return {
    list: async query => (await (await request(getKey, base, 'GET', `/api/incidents${query}`,
      f => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body))).json()) as IncidentPage,
  };
}
