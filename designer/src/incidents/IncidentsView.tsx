// The Incidents workspace: faulted instances grouped by flow, node and message (GET /api/incidents), with how
// many, when first and last, and the latest instance; filtered by flow, node, text and time, and paged.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { apiKey, useSession } from '../session';
import { createIncidentsApi, type IncidentPage } from './incidentsApi';
import { ago, pageLabel, queryOf } from './incidentsModel';
import './incidents.css';

const PAGE_SIZE = 25;
const PERIODS: [string, number | undefined][] = [['any time', undefined], ['last hour', 1], ['last 24 hours', 24], ['last 7 days', 168]];

interface Filter { flowId?: string; nodeId?: string; q?: string; sinceHours?: number; skip?: number; take?: number }

export function IncidentsView() {
  const signedIn = useSession().signedIn;
  const api = useMemo(() => createIncidentsApi(apiKey), []);
  const [draft, setDraft] = useState<Filter>({});
  const [filter, setFilter] = useState<Filter>({ take: PAGE_SIZE });
  const [page, setPage] = useState<IncidentPage | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(async (wanted: Filter) => {
    try {
      setPage(await api.list(queryOf(wanted)));
      setError(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  }, [api]);

  useEffect(() => { if (signedIn) void load(filter); }, [signedIn, filter, load]);

  const apply = () => setFilter({ ...draft, skip: 0, take: PAGE_SIZE });
  const skip = filter.skip ?? 0;

  return (
    <div className="incidents" data-testid="incidents">
      <div className="incidents-toolbar">
        <input placeholder="flow id" value={draft.flowId ?? ''} onChange={e => setDraft({ ...draft, flowId: e.target.value })} data-testid="incidents-flow" />
        <input placeholder="node id" value={draft.nodeId ?? ''} onChange={e => setDraft({ ...draft, nodeId: e.target.value })} data-testid="incidents-node" />
        <input placeholder="message contains" value={draft.q ?? ''} onChange={e => setDraft({ ...draft, q: e.target.value })} data-testid="incidents-text"
          onKeyDown={e => { if (e.key === 'Enter') apply(); }} />
        <select value={draft.sinceHours ?? ''} aria-label="Last occurrence" data-testid="incidents-since"
          onChange={e => setDraft({ ...draft, sinceHours: e.target.value === '' ? undefined : Number(e.target.value) })}>
          {PERIODS.map(([label, hours]) => <option key={label} value={hours ?? ''}>{label}</option>)}
        </select>
        <button onClick={apply} data-testid="incidents-apply">Filter</button>
        <button onClick={() => void load(filter)} data-testid="incidents-refresh">Refresh</button>
      </div>
      {error && <div className="incidents-error" data-testid="incidents-error">{error}</div>}
      <SignInPrompt to="to list the incidents" />
      {page && page.items.length === 0 && <p className="hint" data-testid="incidents-none">No incidents: no run matching the filter has faulted.</p>}
      {page && page.items.length > 0 && (
        <table className="incidents-table" data-testid="incidents-table">
          <thead>
            <tr><th>Flow</th><th>Node</th><th>Message</th><th className="count">Count</th><th>First</th><th>Last</th><th>Latest instance</th></tr>
          </thead>
          <tbody>
            {page.items.map(i => (
              <tr key={i.id} data-testid="incident-row">
                <td>{i.flowId}</td>
                <td>{i.nodeId ?? <span className="hint">(the host)</span>}{i.activityType && <div className="hint">{i.activityType}</div>}</td>
                <td className="message">{i.message}</td>
                <td className="count" data-testid="incident-count">{i.count}</td>
                <td title={i.firstAt}>{ago(i.firstAt)}</td>
                <td title={i.lastAt}>{ago(i.lastAt)}</td>
                <td className="instance-id" title="GET /api/instances/{id} and its journal">{i.lastInstanceId}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {page && page.total > 0 && (
        <div className="incidents-pager">
          <button disabled={skip === 0} onClick={() => setFilter({ ...filter, skip: Math.max(0, skip - PAGE_SIZE) })}>Previous</button>
          <span>{pageLabel(skip, page.items.length, page.total)}</span>
          <button disabled={skip + page.items.length >= page.total} onClick={() => setFilter({ ...filter, skip: skip + PAGE_SIZE })}>Next</button>
        </div>
      )}
    </div>
  );
}

export default IncidentsView;
