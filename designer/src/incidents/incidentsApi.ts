// The typed client of the incidents API (GET /api/incidents), in the style of ../api.ts.
import { ApiError, detailOf, request } from '../api';

/** Faulted instances with the same flow, node and message. */
export interface Incident {
  id: string;
  flowId: string;
  nodeId: string | null;
  activityType: string | null;
  message: string;
  count: number;
  firstAt: string;
  lastAt: string;
  lastInstanceId: string;
}

export interface IncidentPage { items: Incident[]; total: number }

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
