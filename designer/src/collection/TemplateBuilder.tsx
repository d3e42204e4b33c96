// The step-by-step template builder of the Data collection tab, following Flexera's custom connector steps:
// General, Authentication, Request, Pagination, Response mapping (from a live sample), Filters, Activity, then
// Save. "Test" runs one page through the server and shows the sample, the mapped users, the records the
// filters leave out and the cursor or next page it found. Saving tests the connection; nothing is kept when it fails.
import { useMemo, useState, type ReactNode } from 'react';
import type { CollectionApi, TemplateTest } from './collectionApi';
import {
  MAPPED_FIELDS, credentialsInUrl, emptyState, relativePath, settingsOf, toTemplateJson, type BuilderState, type FilterRow, type MappedField, type TemplateJson,
} from './templateModel';
import './builder.css';

const STEPS = ['General', 'Authentication', 'Request', 'Pagination', 'Response mapping', 'Filters', 'Activity', 'Save'] as const;
type Step = (typeof STEPS)[number];

/** Where a click in the sample goes: a mapped field, the records list, the cursor, a filter or the activity field. */
type PickTarget = MappedField | 'records' | 'cursor' | 'lastActivity' | `filter${number}`;

export default function TemplateBuilder({ api, onSaved, onCancel }: { api: CollectionApi; onSaved: (key: string) => void; onCancel: () => void }) {
  const [state, setState] = useState<BuilderState>(emptyState);
  const [step, setStep] = useState<Step>('General');
  const [test, setTest] = useState<TemplateTest | null>(null);
  const [testing, setTesting] = useState(false);
  const [pick, setPick] = useState<PickTarget>('records');
  const [connectorName, setConnectorName] = useState('');
  const [enabled, setEnabled] = useState(false);
  const [time, setTime] = useState('23:00');
  const [timeZone, setTimeZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const set = (patch: Partial<BuilderState>) => setState(s => ({ ...s, ...patch }));
  const templateJson = useMemo(() => toTemplateJson(state), [state]);
  const credentialNames = credentialsInUrl(state);

  const runTest = async () => {
    setTesting(true);
    setError(null);
    try { setTest(await api.testTemplate({ templateJson: forTest(state, templateJson), settings: settingsOf(state) })); } catch (e) { setError((e as Error).message); setTest(null); } finally { setTesting(false); }
  };
  const save = async () => {
    setBusy(true);
    setError(null);
    try {
      const added = await api.addSource({ templateJson, name: connectorName.trim() || state.name.trim(), settings: settingsOf(state), schedule: { enabled, time, timeZone } });
      onSaved(added.key);
    } catch (e) { setError((e as Error).message); } finally { setBusy(false); }
  };
  const picked = (path: string[]) => {
    const { inRecord, path: relative } = relativePath(path, state.recordsPath);
    if (pick === 'records') set({ recordsPath: path.join('.') });
    else if (pick === 'cursor') set({ cursorPath: path.join('.') });
    else if (pick === 'lastActivity') set({ lastActivityField: relative, activityType: 'lastActivity' });
    else if (pick.startsWith('filter')) {
      const index = Number(pick.slice('filter'.length));
      set({ filters: state.filters.map((f, i) => (i === index ? { ...f, field: relative } : f)) });
    } else {
      if (!inRecord) { setError(`'${path.join('.')}' is not inside a record at '${state.recordsPath}': pick a field of one of the records`); return; }
      set({ mapping: { ...state.mapping, [pick]: relative } });
    }
    setError(null);
  };
  const index = STEPS.indexOf(step);

  return (
    <section className="data-add template-builder" aria-label="template builder">
      <h3>Build a template</h3>
      <nav className="builder-steps" aria-label="builder steps">
        {STEPS.map((s, i) => (
          <button key={s} className={s === step ? 'active' : undefined} aria-current={s === step ? 'step' : undefined} onClick={() => setStep(s)}>{i + 1}. {s}</button>
        ))}
      </nav>

      {step === 'General' && <>
        <Field label="Template name"><input aria-label="template name" value={state.name} onChange={e => set({ name: e.target.value })} /></Field>
        <Field label="Vendor"><input aria-label="vendor" value={state.vendor} onChange={e => set({ vendor: e.target.value })} /></Field>
        <Field label="Description"><input aria-label="description" value={state.description} onChange={e => set({ description: e.target.value })} /></Field>
        <Field label="Base URL" hint="The vendor's API root, e.g. https://slack.com/api. Never user:password@ in it.">
          <input aria-label="base URL" value={state.baseUrl} onChange={e => set({ baseUrl: e.target.value })} placeholder="https://api.vendor.example" />
        </Field>
      </>}

      {step === 'Authentication' && <>
        <Field label="Authentication type">
          <select aria-label="authentication type" value={state.authKind} onChange={e => set({ authKind: e.target.value as BuilderState['authKind'] })}>
            <option value="apiKey">API key</option>
            <option value="oauth2ClientCredentials">OAuth 2.0</option>
          </select>
        </Field>
        {state.authKind === 'apiKey' ? <>
          <Field label="Header"><input aria-label="auth header" value={state.header} onChange={e => set({ header: e.target.value })} /></Field>
          <Field label="Token type" hint="The word before the key: Bearer, token, SSWS; empty for the bare key.">
            <input aria-label="token type" value={state.tokenType} onChange={e => set({ tokenType: e.target.value })} list="token-types" />
            <datalist id="token-types"><option value="Bearer" /><option value="token" /><option value="SSWS" /><option value="Basic" /></datalist>
          </Field>
          <Field label="API key" hint="Stored encrypted in the connection, never in the template.">
            <input aria-label="API key" type="password" value={state.token} onChange={e => set({ token: e.target.value })} />
          </Field>
        </> : <>
          <Field label="Grant type"><select aria-label="grant type" value="client_credentials" disabled><option value="client_credentials">Client credentials</option></select></Field>
          <Field label="Token URL"><input aria-label="token URL" value={state.tokenUrl} onChange={e => set({ tokenUrl: e.target.value })} /></Field>
          <Field label="Scope"><input aria-label="scope" value={state.scope} onChange={e => set({ scope: e.target.value })} /></Field>
          <Field label="Send credentials">
            <select aria-label="send credentials" value={state.credentials} onChange={e => set({ credentials: e.target.value as 'basic' | 'body' })}>
              <option value="basic">In a Basic Authorization header</option>
              <option value="body">In the request body</option>
            </select>
          </Field>
          <Field label="Client ID"><input aria-label="client ID" value={state.clientId} onChange={e => set({ clientId: e.target.value })} /></Field>
          <Field label="Client secret" hint="Stored encrypted in the connection."><input aria-label="client secret" type="password" value={state.clientSecret} onChange={e => set({ clientSecret: e.target.value })} /></Field>
        </>}
      </>}

      {step === 'Request' && <>
        <Field label="Users URL" hint="Relative to the base URL, e.g. /users.list.">
          <input aria-label="users URL" value={state.usersUrl} onChange={e => set({ usersUrl: e.target.value })} placeholder="/users" />
        </Field>
        <Field label="Fixed query parameters" hint="One name=value a line, sent with every page.">
          <textarea aria-label="query parameters" rows={3} value={state.query} onChange={e => set({ query: e.target.value })} />
        </Field>
      </>}
      {credentialNames.length > 0 && (step === 'Request' || step === 'Save') && (
        <p className="field-error" role="alert" data-testid="credential-warning">
          Do not include API credentials in the URL ({credentialNames.join(', ')}): put the key in Authentication, where it is stored encrypted.
        </p>
      )}

      {step === 'Pagination' && <>
        <Field label="Pagination">
          <select aria-label="pagination" value={state.pagination} onChange={e => set({ pagination: e.target.value as BuilderState['pagination'] })}>
            <option value="none">None (one page)</option>
            <option value="offsetLimit">Offset and limit</option>
            <option value="pageNumber">Page number</option>
            <option value="cursorLimit">Cursor and limit</option>
            <option value="linkHeader">Link header (rel="next")</option>
          </select>
        </Field>
        {state.pagination === 'offsetLimit' && <Field label="Offset field"><input aria-label="offset field" value={state.offsetParameter} onChange={e => set({ offsetParameter: e.target.value })} /></Field>}
        {state.pagination === 'pageNumber' && <>
          <Field label="Page field"><input aria-label="page field" value={state.pageParameter} onChange={e => set({ pageParameter: e.target.value })} /></Field>
          <Field label="Page size field"><input aria-label="page size field" value={state.pageSizeParameter} onChange={e => set({ pageSizeParameter: e.target.value })} /></Field>
          <Field label="First page"><input aria-label="first page" value={state.firstPage} onChange={e => set({ firstPage: e.target.value })} /></Field>
        </>}
        {state.pagination === 'cursorLimit' && <>
          <Field label="Cursor field" hint="The query parameter the cursor is sent back in.">
            <input aria-label="cursor field" value={state.cursorParameter} onChange={e => set({ cursorParameter: e.target.value })} />
          </Field>
          <Field label="Cursor path" hint="Where the next cursor is in the response, e.g. response_metadata.next_cursor; or pick it in the sample.">
            <input aria-label="cursor path" value={state.cursorPath} onChange={e => set({ cursorPath: e.target.value })} />
          </Field>
        </>}
        {(state.pagination === 'offsetLimit' || state.pagination === 'cursorLimit' || state.pagination === 'linkHeader') &&
          <Field label="Limit field"><input aria-label="limit field" value={state.limitParameter} onChange={e => set({ limitParameter: e.target.value })} /></Field>}
        {state.pagination !== 'none' && <Field label="Items per page"><input aria-label="items per page" value={state.limit} onChange={e => set({ limit: e.target.value })} /></Field>}
        {(state.pagination === 'offsetLimit' || state.pagination === 'pageNumber') && (
          <label className="field"><input type="checkbox" aria-label="stop on short page" checked={state.stopOnShortPage} onChange={e => set({ stopOnShortPage: e.target.checked })} />
            {' '}The vendor returns exactly the items asked for (stop at a short page; otherwise paging stops at an empty page)</label>
        )}
      </>}

      {step === 'Response mapping' && <>
        <Field label="Records path" hint="Where the list of users is in the response; empty when the body is the list.">
          <input aria-label="records path" value={state.recordsPath} onChange={e => set({ recordsPath: e.target.value })} />
        </Field>
        {MAPPED_FIELDS.map(([field, label]) => (
          <Field key={field} label={label}>
            <input aria-label={`map ${field}`} value={state.mapping[field]} onChange={e => set({ mapping: { ...state.mapping, [field]: e.target.value } })} />
          </Field>
        ))}
      </>}

      {step === 'Filters' && <>
        <p className="hint">Keep a user only when every filter holds.</p>
        {state.filters.map((f, i) => <FilterEditor key={i} index={i} filter={f}
          onChange={next => set({ filters: state.filters.map((x, j) => (j === i ? next : x)) })}
          onRemove={() => set({ filters: state.filters.filter((_, j) => j !== i) })} />)}
        <button onClick={() => set({ filters: [...state.filters, { field: '', operator: 'equals', value: '' }] })}>Add filter</button>
      </>}

      {step === 'Activity' && <>
        <Field label="Activity type">
          <select aria-label="activity type" value={state.activityType} onChange={e => set({ activityType: e.target.value as BuilderState['activityType'] })}>
            <option value="none">No activity</option>
            <option value="lastActivity">Last activity date</option>
          </select>
        </Field>
        {state.activityType === 'lastActivity' &&
          <Field label="Last activity field"><input aria-label="last activity field" value={state.lastActivityField} onChange={e => set({ lastActivityField: e.target.value })} /></Field>}
        <Field label="Application"><input aria-label="application" value={state.application} onChange={e => set({ application: e.target.value })} /></Field>
      </>}

      {step === 'Save' && <>
        <Field label="Connector name"><input aria-label="connector name" value={connectorName} placeholder={state.name} onChange={e => setConnectorName(e.target.value)} /></Field>
        <fieldset className="data-schedule">
          <legend>Schedule</legend>
          <label><input type="checkbox" aria-label="import daily" checked={enabled} onChange={e => setEnabled(e.target.checked)} /> Import daily at</label>{' '}
          <input type="time" value={time} disabled={!enabled} onChange={e => setTime(e.target.value)} aria-label="time" />{' '}
          <input value={timeZone} disabled={!enabled} onChange={e => setTimeZone(e.target.value)} aria-label="time zone" />
          {!enabled && <p className="hint">Manual imports only.</p>}
        </fieldset>
        <details><summary>Template JSON</summary><pre className="template-json" data-testid="template-json">{JSON.stringify(templateJson, null, 2)}</pre></details>
        <p className="hint">Saving tests the connection first; nothing is kept when the test fails.</p>
        <button onClick={save} disabled={busy} data-testid="save-template">{busy ? 'Testing connection…' : 'Save'}</button>
      </>}

      <div className="builder-nav">
        <button disabled={index === 0} onClick={() => setStep(STEPS[index - 1])}>Back</button>{' '}
        {index < STEPS.length - 1 && <button onClick={() => setStep(STEPS[index + 1])}>Next</button>}{' '}
        <button onClick={runTest} disabled={testing} data-testid="test-template">{testing ? 'Testing…' : 'Test'}</button>{' '}
        <button onClick={onCancel}>Cancel</button>
      </div>
      {error && <p className="field-error" role="alert" data-testid="builder-error">{error}</p>}
      {test && <TestResult test={test} pick={pick} setPick={setPick} filters={state.filters.length} onPick={picked}
        cursorMissing={state.pagination === 'cursorLimit' && !state.cursorPath.trim()} />}
    </section>
  );
}

/**
 * The template a Test sends. A cursor template without its cursor path yet (it is picked in the first sample) is
 * tried as one page with the page size in the query, so there is a sample to pick it from.
 */
function forTest(state: BuilderState, template: TemplateJson): TemplateJson {
  if (state.pagination !== 'cursorLimit' || state.cursorPath.trim()) return template;
  const query: Record<string, unknown> = { ...(template.query ?? {}) };
  if (state.limitParameter.trim()) query[state.limitParameter.trim()] = Number(state.limit) || 100;
  return { ...template, pagination: { kind: 'none' }, query };
}

function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return <label className="field">{label} {children}{hint && <span className="hint"> {hint}</span>}</label>;
}

function FilterEditor({ index, filter, onChange, onRemove }: { index: number; filter: FilterRow; onChange: (f: FilterRow) => void; onRemove: () => void }) {
  return (
    <div className="builder-filter" data-testid="filter-row">
      <input aria-label={`filter ${index + 1} field`} value={filter.field} placeholder="field, e.g. is_bot" onChange={e => onChange({ ...filter, field: e.target.value })} />{' '}
      <select aria-label={`filter ${index + 1} operator`} value={filter.operator} onChange={e => onChange({ ...filter, operator: e.target.value as FilterRow['operator'] })}>
        <option value="equals">Equal</option>
        <option value="notEquals">Not equal</option>
      </select>{' '}
      <input aria-label={`filter ${index + 1} value`} value={filter.value} placeholder="value" onChange={e => onChange({ ...filter, value: e.target.value })} />{' '}
      <button onClick={onRemove}>Remove</button>
    </div>
  );
}

function TestResult({ test, pick, setPick, filters, onPick, cursorMissing }: {
  test: TemplateTest; pick: PickTarget; setPick: (p: PickTarget) => void; filters: number; onPick: (path: string[]) => void; cursorMissing: boolean;
}) {
  const users = test.users ?? [];
  return (
    <section className="builder-test" aria-label="test result" data-testid="test-result">
      <h4>One page: HTTP {test.status}{test.contentType ? `, ${test.contentType}` : ''}{test.records != null ? `, ${test.records} records` : ''}</h4>
      {test.problems.map(p => <p key={p.path + p.message} className="field-error" data-testid="test-problem">{p.path}: {p.message}</p>)}
      {test.next && <p data-testid="test-next">{test.next.problem ?? test.next.description}</p>}
      {cursorMissing && <p className="hint">Cursor paging without a cursor path: tried as one page. Pick the cursor in the sample (Cursor path), then Test again.</p>}
      {test.users && <p data-testid="test-counts">{users.length} users mapped, {test.filteredOut?.length ?? 0} filtered out, {test.withoutId?.length ?? 0} without an id</p>}
      {users.length > 0 && (
        <table className="data-table" data-testid="test-users">
          <thead><tr>{MAPPED_FIELDS.map(([f, label]) => <th key={f}>{label}</th>)}<th>Last activity</th></tr></thead>
          <tbody>{users.slice(0, 10).map((u, i) => (
            <tr key={i} data-testid="test-user">{MAPPED_FIELDS.map(([f]) => <td key={f}>{u[f] ?? ''}</td>)}<td>{u.lastActivity ?? ''}</td></tr>
          ))}</tbody>
        </table>
      )}
      {(test.filteredOut?.length ?? 0) > 0 && (
        <details><summary>Filtered out ({test.filteredOut!.length})</summary><pre data-testid="test-filtered">{JSON.stringify(test.filteredOut, null, 2)}</pre></details>
      )}
      {test.sample !== undefined && <>
        <div className="builder-pick">
          <label>Click a field in the sample to set{' '}
            <select aria-label="pick target" value={pick} onChange={e => setPick(e.target.value as PickTarget)}>
              <option value="records">Records path</option>
              {MAPPED_FIELDS.map(([f, label]) => <option key={f} value={f}>{label}</option>)}
              <option value="cursor">Cursor path</option>
              <option value="lastActivity">Last activity field</option>
              {Array.from({ length: filters }, (_, i) => <option key={i} value={`filter${i}`}>Filter {i + 1} field</option>)}
            </select>
          </label>
        </div>
        <div className="json-sample" data-testid="sample" role="tree" aria-label="sample response">
          <JsonNodeView value={test.sample} path={[]} onPick={onPick} />
        </div>
      </>}
    </section>
  );
}

/** The sample as a tree; every key is a button that picks its path. Lists show their first three items. */
function JsonNodeView({ value, path, onPick }: { value: unknown; path: string[]; onPick: (path: string[]) => void }) {
  if (Array.isArray(value)) {
    return (
      <ul className="json-list">
        {value.slice(0, 3).map((item, i) => (
          <li key={i}><button className="json-key" data-path={[...path, String(i)].join('.')} onClick={() => onPick([...path, String(i)])}>[{i}]</button>{' '}
            <JsonNodeView value={item} path={[...path, String(i)]} onPick={onPick} /></li>
        ))}
        {value.length > 3 && <li className="hint">… {value.length - 3} more</li>}
      </ul>
    );
  }
  if (value !== null && typeof value === 'object') {
    return (
      <ul className="json-object">
        {Object.entries(value as Record<string, unknown>).map(([k, v]) => (
          <li key={k}>
            <button className="json-key" data-path={[...path, k].join('.')} onClick={() => onPick([...path, k])}>{k}</button>:{' '}
            <JsonNodeView value={v} path={[...path, k]} onPick={onPick} />
          </li>
        ))}
      </ul>
    );
  }
  return <span className="json-value">{JSON.stringify(value)}</span>;
}
