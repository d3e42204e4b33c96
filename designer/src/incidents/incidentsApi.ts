// The typed client of the incidents API (GET /api/incidents), in the style of ../api.ts.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient } from '../api/client';
import type { components } from '../api/schema';

/** Faulted instances with the same flow, node and message (generated from the OpenAPI document). */
export type Incident = components['schemas']['Incident'];

export type IncidentPage = components['schemas']['IncidentPage'];

export interface IncidentFilter { flowId?: string; nodeId?: string; q?: string; since?: string; skip?: number; take?: number }

export interface IncidentsApi {
  list(query: string): Promise<IncidentPage>;
}

export function createIncidentsApi(getKey: () => string, base = ''): IncidentsApi {
  const client = createServerClient(getKey, base);
  return {
    // The query is the list view's filter as it is in the address bar: its members are the operation's query parameters.
    list: query => answer(client.GET('/api/incidents', { params: { query: Object.fromEntries(new URLSearchParams(query)) } }),
      f => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body)),
  };
}
