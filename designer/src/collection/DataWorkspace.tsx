// The "Data collection" workspace: connectors made from templates, their imports and the collected
// users (indicators, charts, table, run history). Loaded lazily from workspaces.tsx.
import { lazy, Suspense, useCallback, useEffect, useMemo, useState } from 'react';
import { SignInPrompt } from '../access/SignInPrompt';
import { useCan, useSession } from '../session';
import { columns, horizontalBars, monthLabel, nextSort, pageCount } from './charts';
import {
  createCollectionApi, type CollectionRun, type CollectionSource, type SortField, type Summary, type TemplateSummary, type UserPage, type UserQuery,
} from './collectionApi';

const PAGE_SIZE = 25;
const TemplateBuilder = lazy(() => import('./TemplateBuilder'));

export default function DataWorkspace() {
  const can = useCan();
  const signedIn = useSession().signedIn;
  const api = useMemo(() => createCollectionApi(), []);
  const [sources, setSources] = useState<CollectionSource[]>([]);
  const [selected, setSelected] = useState<string | null>(null);
  const [adding, setAdding] = useState<false | 'template' | 'build'>(false);
  const [error, setError] = useState<string | null>(null);

  const reload = useCallback(async () => {
    try {
      const list = await api.sources();
      setSources(list);
      setSelected(s => s ?? list[0]?.key ?? null);
      setError(null);
    } catch (e) { setError((e as Error).message); }
  }, [api]);
  useEffect(() => { if (signedIn) void reload(); }, [signedIn, reload]);

  if (!signedIn) return <div className="data-workspace data-empty"><SignInPrompt to="to collect data" /></div>;
  const source = sources.find(s => s.key === selected) ?? null;
  return (
    <div className="data-workspace">
      <aside className="data-sources" aria-label="collection connectors">
        <h3>Collection connectors</h3>
        {sources.length === 0 && <p className="hint">None yet: add one from a template.</p>}
        <ul>
          {sources.map(s => (
            <li key={s.key}>
              <button className={s.key === selected ? 'active' : undefined} onClick={() => { setSelected(s.key); setAdding(false); }} data-testid={`source-${s.key}`}>
                <strong>{s.name}</strong><span className="hint"> {s.vendor}{s.lastRun ? ` · ${s.lastRun.status}` : ''}</span>
              </button>
            </li>
          ))}
        </ul>
        {can('collection.manage') && <>
          <button onClick={() => setAdding('template')} data-testid="add-source">Add from template…</button>
          <button onClick={() => setAdding('build')} data-testid="build-template">Build a template…</button>
        </>}
        {error && <p className="field-error" role="alert">{error}</p>}
      </aside>
      <main className="data-main">
        {adding === 'build'
          ? <Suspense fallback={<p className="hint">Loading…</p>}>
              <TemplateBuilder api={api} onSaved={async key => { setAdding(false); await reload(); setSelected(key); }} onCancel={() => setAdding(false)} />
            </Suspense>
          : adding
          ? <AddSourceForm api={api} onAdded={async key => { setAdding(false); await reload(); setSelected(key); }} onCancel={() => setAdding(false)} />
          : source ? <SourceView key={source.key} api={api} source={source} onChanged={reload} /> : <p className="hint">Choose a connector or add one.</p>}
      </main>
    </div>
  );
}

type Api = ReturnType<typeof createCollectionApi>;

function AddSourceForm({ api, onAdded, onCancel }: { api: Api; onAdded: (key: string) => void; onCancel: () => void }) {
  const [templates, setTemplates] = useState<TemplateSummary[]>([]);
  const [templateId, setTemplateId] = useState('');
  const [name, setName] = useState('');
  const [settings, setSettings] = useState<Record<string, string>>({});
  const [enabled, setEnabled] = useState(true);
  const [time, setTime] = useState('23:00');
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { api.templates().then(t => { setTemplates(t); setTemplateId(t[0]?.id ?? ''); }, e => setError((e as Error).message)); }, [api]);
  const template = templates.find(t => t.id === templateId);
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const added = await api.addSource({ template: templateId, name, settings, schedule: { enabled, time, timeZone } });
      onAdded(added.key);
    } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  return (
    <section className="data-add" aria-label="add from template">
      <h3>Add a connector from a template</h3>
      <label className="field">Template
        <select value={templateId} onChange={e => { setTemplateId(e.target.value); setSettings({}); }} aria-label="template">
          {templates.map(t => <option key={t.id} value={t.id}>{t.name} ({t.pagination})</option>)}
        </select>
      </label>
      {template?.description && <p className="hint">{template.description}</p>}
      <label className="field">Name <input value={name} onChange={e => setName(e.target.value)} aria-label="connector name" /></label>
      {template?.settings.map(s => (
        <label className="field" key={s.name}>{s.label}{s.required && <span className="required"> *</span>}
          <input type={s.secret ? 'password' : 'text'} aria-label={s.label} value={settings[s.name] ?? ''} placeholder={s.default ?? ''}
            onChange={e => setSettings({ ...settings, [s.name]: e.target.value })} />
        </label>
      ))}
      <fieldset className="data-schedule">
        <legend>Schedule</legend>
        <label><input type="checkbox" checked={enabled} onChange={e => setEnabled(e.target.checked)} /> Import daily at</label>{' '}
        <input type="time" value={time} disabled={!enabled} onChange={e => setTime(e.target.value)} aria-label="time" />{' '}
        <input value={timeZone} disabled={!enabled} onChange={e => setTimeZone(e.target.value)} aria-label="time zone" />
        {!enabled && <p className="hint">Manual imports only.</p>}
      </fieldset>
      <p className="hint">Saving tests the connection first.</p>
      <button onClick={save} disabled={busy || !templateId || !name.trim()}>{busy ? 'Testing connection…' : 'Save'}</button>{' '}
      <button onClick={onCancel}>Cancel</button>
      {error && <p className="field-error" role="alert">{error}</p>}
    </section>
  );
}

function SourceView({ api, source, onChanged }: { api: Api; source: CollectionSource; onChanged: () => void }) {
  const can = useCan();
  const [summary, setSummary] = useState<Summary | null>(null);
  const [runs, setRuns] = useState<CollectionRun[]>([]);
  const [users, setUsers] = useState<UserPage | null>(null);
  const [query, setQuery] = useState<UserQuery>({ sort: 'name', dir: 'asc', page: 1, pageSize: PAGE_SIZE });
  const [active, setActive] = useState<CollectionRun | null>(null);
  const [error, setError] = useState<string | null>(null);

  const refresh = useCallback(async () => {
    try {
      const [s, r] = await Promise.all([api.summary(source.key), api.runs(source.key)]);
      setSummary(s);
      setRuns(r);
    } catch (e) { setError((e as Error).message); }
  }, [api, source.key]);
  useEffect(() => { void refresh(); }, [refresh]);
  useEffect(() => {
    let stale = false;
    api.users(source.key, query).then(u => { if (!stale) setUsers(u); }, e => setError((e as Error).message));
    return () => { stale = true; };
  }, [api, source.key, query, runs]);

  // Progress: poll the run until it ends, then reload everything.
  useEffect(() => {
    if (!active || active.status !== 'running') return;
    const timer = setTimeout(async () => {
      try {
        const next = await api.run(active.id);
        setActive(next);
        if (next.status !== 'running') { await refresh(); onChanged(); }
      } catch (e) { setError((e as Error).message); }
    }, 400);
    return () => clearTimeout(timer);
  }, [api, active, refresh, onChanged]);

  const start = async () => {
    setError(null);
    try { setActive(await api.startRun(source.key)); } catch (e) { setError((e as Error).message); }
  };
  const cancel = async () => {
    if (!active) return;
    try { setActive(await api.cancelRun(active.id)); await refresh(); onChanged(); } catch (e) { setError((e as Error).message); }
  };
  const confirm = async (run: CollectionRun) => {
    setError(null);
    try { await api.confirmRun(run.id); await refresh(); onChanged(); } catch (e) { setError((e as Error).message); }
  };
  const running = active?.status === 'running';
  const schedule = source.schedule.enabled
    ? `Daily at ${source.schedule.time} (${source.schedule.timeZone})`
    : 'Manual imports only';
  const nextRuns = source.schedule.nextRuns ?? [];
  return (
    <section className="data-source" aria-label={`collected data of ${source.name}`}>
      <header className="data-header">
        <h2>{source.name}</h2>
        <span className="hint">{source.vendor} · flow <a href="#/flows">{source.flowId}</a> · {schedule}</span>
        {can('collection.manage') && <button onClick={start} disabled={running} data-testid="run-now">Run import now</button>}
        {running && can('collection.manage') && <button onClick={cancel} data-testid="cancel-run">Cancel import</button>}
        {active && <span className="data-progress" data-testid="run-progress" role="status">
          {active.status}: page {active.pages}, {active.records} records, {active.inserted} new, {active.updated} updated
          {active.error ? ` — ${active.error}` : ''}{active.warning ? ` — ${active.warning}` : ''}
        </span>}
      </header>
      {nextRuns.length > 0 && (
        <p className="hint" data-testid="next-runs">Next runs: {nextRuns.map(r => `${r.local.slice(0, 16).replace('T', ' ')} (UTC${r.utcOffset})`).join(', ')}</p>
      )}
      {error && <p className="field-error" role="alert">{error}</p>}
      {summary && <Indicators summary={summary} />}
      {summary && (
        <div className="data-charts">
          <DepartmentChart summary={summary} />
          <ActivityChart summary={summary} />
        </div>
      )}
      <UsersTable page={users} query={query} setQuery={setQuery} departments={summary?.byDepartment.map(d => d.department) ?? []} />
      <RunHistory runs={runs} onConfirm={confirm} />
    </section>
  );
}

function Indicators({ summary }: { summary: Summary }) {
  const items: [string, string, number][] = [
    ['total', 'Total users', summary.totalUsers],
    ['active30', 'Active in 30 days', summary.active30Days],
    ['active90', 'Active in 90 days', summary.active90Days],
    ['inactive', 'Inactive (90 days)', summary.inactive],
    ['new', 'New this month', summary.newThisMonth],
  ];
  return (
    <div className="data-indicators">
      {items.map(([id, label, value]) => (
        <div key={id} className="data-indicator" data-testid={`indicator-${id}`}>
          <div className="value">{value.toLocaleString('en-US')}</div><div className="label">{label}</div>
        </div>
      ))}
    </div>
  );
}

function DepartmentChart({ summary }: { summary: Summary }) {
  const top = summary.byDepartment.slice(0, 10);
  const bars = horizontalBars(top.map(d => ({ label: d.department, value: d.users })), 420, 24, 130);
  return (
    <figure className="data-chart">
      <figcaption>Users by department</figcaption>
      <svg width={420} height={Math.max(24, bars.length * 24)} role="img" aria-label="users by department" data-testid="chart-departments">
        {bars.map(b => (
          <g key={b.label} data-testid="department-bar">
            <text x={b.x - 6} y={b.y + 13} textAnchor="end" fontSize={12}>{b.label}</text>
            <rect x={b.x} y={b.y} width={b.width} height={b.height} fill="#4a6cf7"><title>{`${b.label}: ${b.value}`}</title></rect>
            <text x={b.x + b.width + 4} y={b.y + 13} fontSize={11}>{b.value}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

function ActivityChart({ summary }: { summary: Summary }) {
  const cols = columns(summary.activityByMonth.map(m => ({ label: m.month, value: m.users })), 480, 160);
  return (
    <figure className="data-chart">
      <figcaption>Last activity by month</figcaption>
      <svg width={480} height={180} role="img" aria-label="activity over time" data-testid="chart-activity">
        {cols.map(c => (
          <g key={c.label} data-testid="activity-column">
            <rect x={c.x} y={c.y} width={c.width} height={c.height} fill="#2e7d32"><title>{`${monthLabel(c.label)}: ${c.value}`}</title></rect>
            <text x={c.x + c.width / 2} y={175} textAnchor="middle" fontSize={9}>{monthLabel(c.label)}</text>
          </g>
        ))}
      </svg>
    </figure>
  );
}

const COLUMNS: [SortField, string][] = [['vendorId', 'Id'], ['name', 'Name'], ['email', 'Email'], ['department', 'Department'], ['status', 'Status'], ['created', 'Created'], ['lastActivity', 'Last activity']];

function UsersTable({ page, query, setQuery, departments }: { page: UserPage | null; query: UserQuery; setQuery: (q: UserQuery) => void; departments: string[] }) {
  const pages = pageCount(page?.total ?? 0, query.pageSize);
  const date = (s?: string | null) => (s ? s.slice(0, 10) : '');
  return (
    <section className="data-users" aria-label="users">
      <h3>Users</h3>
      <div className="data-filters">
        <input aria-label="search users" placeholder="Search name, email, department" value={query.search ?? ''}
          onChange={e => setQuery({ ...query, search: e.target.value, page: 1 })} />
        <select aria-label="department filter" value={query.department ?? ''} onChange={e => setQuery({ ...query, department: e.target.value || undefined, page: 1 })}>
          <option value="">All departments</option>
          {departments.filter(d => d !== '(none)').map(d => <option key={d} value={d}>{d}</option>)}
        </select>
        <span className="hint" data-testid="users-total">{page ? `${page.total.toLocaleString('en-US')} users` : ''}</span>
      </div>
      <table className="data-table">
        <thead>
          <tr>{COLUMNS.map(([field, label]) => (
            <th key={field} aria-sort={query.sort === field ? (query.dir === 'asc' ? 'ascending' : 'descending') : undefined}>
              <button onClick={() => setQuery({ ...query, ...nextSort(query, field), page: 1 })}>
                {label}{query.sort === field ? (query.dir === 'asc' ? ' ▲' : ' ▼') : ''}
              </button>
            </th>
          ))}</tr>
        </thead>
        <tbody>
          {page?.items.map(u => (
            <tr key={u.id} data-testid="user-row">
              <td>{u.id}</td><td>{u.name}</td><td>{u.email}</td><td>{u.department}</td><td>{u.status}</td><td>{date(u.created)}</td><td>{date(u.lastActivity)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="data-pager">
        <button disabled={query.page <= 1} onClick={() => setQuery({ ...query, page: query.page - 1 })}>Previous</button>
        <span data-testid="users-page">Page {query.page} of {pages}</span>
        <button disabled={query.page >= pages} onClick={() => setQuery({ ...query, page: query.page + 1 })}>Next</button>
      </div>
    </section>
  );
}

function RunHistory({ runs, onConfirm }: { runs: CollectionRun[]; onConfirm: (run: CollectionRun) => void }) {
  const can = useCan();
  return (
    <section className="data-runs" aria-label="run history">
      <h3>Run history</h3>
      {runs.length === 0 ? <p className="hint">No imports yet.</p> : (
        <table className="data-table">
          <thead><tr><th>Started</th><th>Trigger</th><th>Status</th><th>Pages</th><th>Records</th><th>Inserted</th><th>Updated</th><th>Filtered</th><th>Duration</th><th>Error</th></tr></thead>
          <tbody>
            {runs.map(r => (
              <tr key={r.id} data-testid="run-row" className={`run-${r.status}`}>
                <td>{new Date(r.startedAt).toLocaleString()}</td><td>{r.trigger}</td><td>{r.status}</td><td>{r.pages}</td><td>{r.records}</td>
                <td>{r.inserted}</td><td>{r.updated}</td><td>{r.filtered}</td><td>{(r.durationMs / 1000).toFixed(1)} s</td>
                <td>{r.error ? `${r.error} (stopped at ${r.stoppedAt})` : ''}{r.warning ?? ''}
                  {r.status === 'suspicious' && can('collection.manage') && <> <button onClick={() => onConfirm(r)} data-testid="confirm-run">Confirm: use this data</button></>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
