// The App approvals workspace: the Workspace ONE app-approval requests (GET /api/app-approvals) with their
// status, device, app, user and dates, filtered and paged; an Error shows why.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { apiKey, useSession } from '../session';
import { createApprovalsApi, type ApprovalFilter, type ApprovalPage } from './approvalsApi';
import { appLabel, neighbours, pageLabel, queryOf, reasonOf, shortDate, STATUSES, statusTone, userLabel } from './approvalsModel';
import './approvals.css';

const PAGE_SIZE = 25;

export function ApprovalsView() {
  const signedIn = useSession().signedIn;
  const api = useMemo(() => createApprovalsApi(apiKey), []);
  const [draft, setDraft] = useState<ApprovalFilter>({});
  const [filter, setFilter] = useState<ApprovalFilter>({ take: PAGE_SIZE });
  const [page, setPage] = useState<ApprovalPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (wanted: ApprovalFilter) => {
    try {
      setPage(await api.list(queryOf(wanted)));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [api]);

  useEffect(() => { if (signedIn) void load(filter); }, [signedIn, filter, load]);

  const apply = () => setFilter({ ...draft, skip: 0, take: PAGE_SIZE });
  const around = page ? neighbours(page) : { previous: null, next: null };

  return (
    <div className="approvals" data-testid="approvals">
      <div className="approvals-toolbar">
        <select value={draft.status ?? ''} onChange={e => setDraft({ ...draft, status: e.target.value })} aria-label="Status" data-testid="approvals-status">
          <option value="">any status</option>
          {STATUSES.map(s => <option key={s} value={s}>{s}</option>)}
        </select>
        <input placeholder="device id" value={draft.deviceId ?? ''} onChange={e => setDraft({ ...draft, deviceId: e.target.value })} data-testid="approvals-device" />
        <input placeholder="app id" value={draft.appId ?? ''} onChange={e => setDraft({ ...draft, appId: e.target.value })} data-testid="approvals-app" />
        <input placeholder="user (id, user name or e-mail)" value={draft.user ?? ''} onChange={e => setDraft({ ...draft, user: e.target.value })} data-testid="approvals-user"
          onKeyDown={e => { if (e.key === 'Enter') apply(); }} />
        <button onClick={apply} data-testid="approvals-apply">Filter</button>
        <button onClick={() => void load(filter)} data-testid="approvals-refresh">Refresh</button>
      </div>
      {error && <div className="approvals-error" data-testid="approvals-error">{error}</div>}
      <SignInPrompt to="to list the requests" />
      {page && (
        <>
          <table className="approvals-table" data-testid="approvals-table">
            <thead>
              <tr><th>Request</th><th>Status</th><th>Device</th><th>App</th><th>User</th><th>Requested</th><th>Expires</th><th>Decided</th></tr>
            </thead>
            <tbody>
              {page.items.map(item => {
                const reason = reasonOf(item);
                return (
                  <tr key={item.instanceId} data-testid={`approval-${item.requestId}`}>
                    <td className="request-id" title={item.instanceId}>{item.requestId}</td>
                    <td>
                      <span className={`approval-status tone-${statusTone(item.status)}`} data-testid="approval-status">{item.status}</span>
                      {item.hubStatus && item.hubStatus !== item.status && <span className="hint"> Hub: {item.hubStatus}</span>}
                      {reason && <div className="approval-reason" data-testid="approval-reason">{reason}</div>}
                    </td>
                    <td title={item.device?.udid ?? undefined}>{item.device ? `${item.device.name ?? 'device'} #${item.device.id}` : '—'}{item.device?.platform && <div className="hint">{item.device.platform}</div>}</td>
                    <td title={item.app?.packageId ?? undefined}>{appLabel(item.app)}</td>
                    <td>{userLabel(item.user)}</td>
                    <td>{shortDate(item.requestedAt)}</td>
                    <td>{shortDate(item.expiresAt)}</td>
                    <td>{shortDate(item.decidedAt)}{item.decidedBy && <div className="hint">by {item.decidedBy}</div>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {page.items.length === 0 && <p className="hint" data-testid="approvals-empty">No app-approval requests match.</p>}
          <div className="approvals-pager">
            <button disabled={around.previous === null} onClick={() => setFilter({ ...filter, skip: around.previous ?? 0 })} data-testid="approvals-previous">Previous</button>
            <span data-testid="approvals-page">{pageLabel({ ...page, count: page.items.length })}</span>
            <button disabled={around.next === null} onClick={() => setFilter({ ...filter, skip: around.next ?? 0 })} data-testid="approvals-next">Next</button>
            {page.truncated && <span className="hint"> only the newest requests are searched; open an older one by its RequestId</span>}
          </div>
        </>
      )}
    </div>
  );
}
