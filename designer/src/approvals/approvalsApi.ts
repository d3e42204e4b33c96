// The typed client of the app-approval API (GET /api/app-approvals), in the style of ../api.ts.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient, type Schemas } from '../api/client';

// The wire types are the generated ones (api/schema.ts).
export type ApprovalDevice = Schemas['AppApprovalDevice'];
export type ApprovalApp = Schemas['AppApprovalApp'];
export type ApprovalUser = Schemas['AppApprovalUser'];

/** One request as the list shows it (its times and who decided as the flow stored them, as text). */
export type ApprovalItem = Schemas['AppApprovalResponse'];

export type ApprovalPage = Schemas['AppApprovalPage'];

export interface ApprovalFilter { status?: string; deviceId?: string; appId?: string; user?: string; skip?: number; take?: number }

export interface ApprovalsApi {
  list(query: string): Promise<ApprovalPage>;
}

export function createApprovalsApi(getKey: () => string, base = ''): ApprovalsApi {
  const client = createServerClient(getKey, base);
  return {
    // The query is the list view's filter as it is in the address bar: its members are the operation's query parameters.
    list: async query => await answer(client.GET('/api/app-approvals', { params: { query: Object.fromEntries(new URLSearchParams(query)) } }),
      f => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body)) as ApprovalPage,
  };
}
