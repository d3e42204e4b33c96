// What the approvals list computes from the API's answers, kept apart from React so it is unit-tested.
import type { ApprovalApp, ApprovalFilter, ApprovalItem, ApprovalPage, ApprovalUser } from './approvalsApi';

/** The statuses the list filters on, as Intelligence names them (the API also takes the Hub's names). */
export const STATUSES = ['Received', 'Pending Approval', 'Install Command Dispatched', 'Installed', 'Rejected', 'Expired', 'Error'] as const;

/** The query string for a filter: empty fields are left out, text is trimmed and encoded. */
export function queryOf(filter: ApprovalFilter): string {
  const parts: string[] = [];
  for (const key of ['status', 'deviceId', 'appId', 'user'] as const) {
    const value = filter[key]?.trim();
    if (value) parts.push(`${key}=${encodeURIComponent(value)}`);
  }
  if (filter.skip) parts.push(`skip=${filter.skip}`);
  if (filter.take) parts.push(`take=${filter.take}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** "3–4 of 9" for the page shown; "none" when nothing matches. */
export function pageLabel(page: Pick<ApprovalPage, 'skip' | 'total'> & { count: number }): string {
  if (page.total === 0 || page.count === 0) return 'none';
  return `${page.skip + 1}–${page.skip + page.count} of ${page.total}`;
}

/** Where the previous and next pages start; null when there is none. */
export function neighbours(page: Pick<ApprovalPage, 'skip' | 'take' | 'total'>): { previous: number | null; next: number | null } {
  return {
    previous: page.skip > 0 ? Math.max(0, page.skip - page.take) : null,
    next: page.skip + page.take < page.total ? page.skip + page.take : null,
  };
}

/** A class for the status badge: waiting, done well, ended otherwise, or failed (null: a request without a status yet). */
export function statusTone(status: string | null): 'waiting' | 'good' | 'ended' | 'failed' {
  switch (status) {
    case 'Installed': return 'good';
    case 'Rejected':
    case 'Expired': return 'ended';
    case 'Error': return 'failed';
    default: return 'waiting';
  }
}

/** The user as an operator recognises them: name, else user name, else the UEM user id. */
export function userLabel(user: ApprovalUser | null): string {
  if (!user) return '—';
  const name = [user.firstName, user.lastName].filter(Boolean).join(' ');
  return name || user.userName || user.email || `user ${user.id}`;
}

/** The app with its version and platform when known: "App Name 9.20.0 (WinRT)". */
export function appLabel(app: ApprovalApp | null): string {
  if (!app) return '—';
  const name = app.name || `app ${app.id}`;
  return [name, app.version].filter(Boolean).join(' ') + (app.platform ? ` (${app.platform})` : '');
}

/** Why a request is not going anywhere: the fault for Error (or a refused request), nothing otherwise. */
export function reasonOf(item: Pick<ApprovalItem, 'fault' | 'status'>): string | null {
  return item.fault ? item.fault : item.status === 'Error' ? 'no reason was recorded' : null;
}

/** A date as "2026-11-02 09:00" (UTC), or an em dash when absent. */
export function shortDate(value: string | null): string {
  if (!value) return '—';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? value : date.toISOString().slice(0, 16).replace('T', ' ');
}
