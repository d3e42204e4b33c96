// The typed client of the app-approval API (GET /api/app-approvals), in the style of ../api.ts.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient, type Schemas } from '../api/client';

export interface ApprovalDevice { id: string; name: string | null; udid: string | null; platform: string | null }
export interface ApprovalApp { id: string; name: string | null; packageId: string | null; version: string | null; platform: string | null }
export interface ApprovalUser { id: string; userName: string | null; firstName: string | null; lastName: string | null; email: string | null }

/**
 * One request as the list shows it: the generated type, with the members the document types as any JSON (the request's
 * device, app and user as Intelligence sent them, and its times) given their shape.
 */
export type ApprovalItem = Omit<Schemas['AppApprovalResponse'], 'device' | 'app' | 'user' | 'requestedAt' | 'expiresAt' | 'decidedAt' | 'decidedBy'> & {
  device: ApprovalDevice | null;
  app: ApprovalApp | null;
  user: ApprovalUser | null;
  requestedAt: string | null;
  expiresAt: string | null;
  decidedAt: string | null;
  decidedBy: string | null;
};

export type ApprovalPage = Omit<Schemas['AppApprovalPage'], 'items'> & { items: ApprovalItem[] };

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
