// The typed client of the app-approval API (GET /api/app-approvals), in the style of ../api.ts.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient } from '../api/client';

export interface ApprovalDevice { id: string; name: string | null; udid: string | null; platform: string | null }
export interface ApprovalApp { id: string; name: string | null; packageId: string | null; version: string | null; platform: string | null }
export interface ApprovalUser { id: string; userName: string | null; firstName: string | null; lastName: string | null; email: string | null }

/** One request as the list shows it. */
export interface ApprovalItem {
  requestId: string;
  /** Intelligence's name: Received, Pending Approval, Install Command Dispatched, Installed, Rejected, Expired, Error. */
  status: string;
  /** The Hub's name UEM is told: Pending, Installing, Installed, Rejected, Expired, Error. */
  hubStatus: string | null;
  instanceId: string;
  instanceStatus: string;
  device: ApprovalDevice | null;
  app: ApprovalApp | null;
  user: ApprovalUser | null;
  requestedAt: string | null;
  expiresAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
  updatedAt: string;
  fault: string | null;
}

export interface ApprovalPage { items: ApprovalItem[]; skip: number; take: number; total: number; truncated: boolean }

export interface ApprovalFilter { status?: string; deviceId?: string; appId?: string; user?: string; skip?: number; take?: number }

export interface ApprovalsApi {
  list(query: string): Promise<ApprovalPage>;
}

export function createApprovalsApi(getKey: () => string, base = ''): ApprovalsApi {
  const client = createServerClient(getKey, base);
  return {
    // The query is the list view's filter as it is in the address bar: its members are the operation's query parameters.
    list: async query => await answer(client.GET('/api/app-approvals', { params: { query: Object.fromEntries(new URLSearchParams(query)) } }),
      f => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body)) as unknown as ApprovalPage,
  };
}
