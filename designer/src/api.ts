// The one typed client of the FlowConnectors REST API. A signed-in browser is known by its session cookie (changes carry
// the antiforgery token); a browser signed in with an API key (the sign-in menu, session.ts) sends the key instead.
import { apiKey, csrfToken } from './session';
import type {
  ActivityDescriptor, Draft, FlowJson, Pin, FlowProblem, FlowSummary, FlowVersion, InstanceDetail, InstanceSummary, JournalEntry, Json, RetryPlan, RunResult, ValidationResult,
} from './types';

export { API_KEY_STORAGE } from './session';

export interface StepResult {
  nodeId: string;
  status: string;
  outcome?: string | null;
  error?: string | null;
  inputs?: Record<string, Json> | null;
  outputs?: Record<string, Json> | null;
  duration?: string | null;
  startedAt?: string | null;
}

export class ApiError extends Error {
  constructor(public status: number, message: string, public body: unknown) {
    super(message);
  }

  /** Validation problems a 400 carries (save of an invalid flow). */
  get problems(): FlowProblem[] {
    const b = this.body as { errors?: unknown; problems?: unknown } | null;
    const list = (b && (Array.isArray(b.errors) ? b.errors : Array.isArray(b.problems) ? b.problems : null)) as FlowProblem[] | null;
    return list ?? [];
  }
}

/** What a failed request answered: each client words its own error from it. */
export interface RequestFailure { method: string; path: string; status: number; text: string; body: unknown }

/** The problem-details message of a failed answer (its detail, else its title), if it has one. */
export function detailOf(body: unknown): string | undefined {
  const p = body as { detail?: string; title?: string } | null;
  return p?.detail ?? p?.title;
}

/**
 * How every client of the designer talks to the server: the session cookie (with the antiforgery token on changes) or
 * the API key header, a JSON body (or a file sent as
 * it is), and a failed answer — its text, parsed as JSON when it is — turned into an error by `fail`.
 */
export async function request(getKey: () => string, base: string, method: string, path: string,
  fail: (failure: RequestFailure) => Error, body?: unknown, contentType = 'application/json'): Promise<Response> {
  const headers: Record<string, string> = {};
  const key = getKey();
  if (key) headers['X-Api-Key'] = key;
  const token = csrfToken();
  if (token && method !== 'GET' && method !== 'HEAD') headers['X-CSRF-Token'] = token;
  let payload: BodyInit | undefined;
  if (body instanceof Blob) { headers['Content-Type'] = contentType; payload = body; }
  else if (body !== undefined) { headers['Content-Type'] = 'application/json'; payload = JSON.stringify(body); }
  const response = await fetch(base + path, { method, headers, body: payload });
  if (!response.ok) {
    const text = await response.text();
    let parsed: unknown = text;
    try { parsed = JSON.parse(text); } catch { /* not JSON */ }
    throw fail({ method, path, status: response.status, text, body: parsed });
  }
  return response;
}

export interface Api {
  activities(): Promise<ActivityDescriptor[]>;
  listFlows(): Promise<FlowSummary[]>;
  getFlow(id: string): Promise<FlowJson>;
  getFlowText(id: string): Promise<string>;
  saveFlow(flow: FlowJson, publish?: boolean): Promise<{ flowId: string; version: number; published: boolean }>;
  validate(flow: FlowJson): Promise<ValidationResult>;
  /** Runs synchronously; a flow that suspends or outlasts the server's wait answers { instanceId, status: 'running' }. */
  run(id: string, inputs: Record<string, Json>): Promise<RunResult>;
  journal(instanceId: string): Promise<JournalEntry[]>;
  versions(id: string): Promise<FlowVersion[]>;
  getFlowVersion(id: string, version: number): Promise<FlowJson>;
  publishVersion(id: string, version: number): Promise<{ flowId: string; version: number; published: boolean }>;
  /** The canonical text of a flow (FlowJson.Save, what the CLI writes). */
  formatFlow(flow: FlowJson): Promise<string>;
  instances(flowId: string): Promise<InstanceSummary[]>;
  instance(instanceId: string): Promise<InstanceDetail>;
  /** What retrying a faulted instance from its failed node would run again ('same' or 'latest' version; old node id → new). */
  retryPlan(instanceId: string, version: string, mapping?: Record<string, string>): Promise<RetryPlan>;
  /** Retries a faulted instance from its failed node; unsafe nodes need confirmUnsafe (else a 409 listing them). */
  retry(instanceId: string, version: string, mapping: Record<string, string> | undefined, confirmUnsafe: boolean): Promise<RetryPlan>;
  /** The flow's draft, or null when it has none (then the latest version is what the designer edits). */
  getDraft(id: string): Promise<Draft | null>;
  saveDraft(flow: FlowJson, pins: Record<string, Pin>): Promise<{ flowId: string; problems: FlowProblem[] }>;
  /** Makes the draft a new version and publishes it (its triggers run when the flow is active). */
  publishDraft(id: string): Promise<{ flowId: string; version: number; published: boolean; active: boolean }>;
  /** A test run of the draft: a real instance of version 0 (the draft); nothing published changes. */
  runDraft(id: string, inputs: Record<string, Json>): Promise<RunResult>;
  setActive(id: string, active: boolean): Promise<{ flowId: string; active: boolean }>;
  /** Runs one node of the saved draft after the given upstream outputs (node id → outputs); nothing is stored. */
  testStep(id: string, nodeId: string, upstream: Record<string, Record<string, Json>>, inputs: Record<string, Json>): Promise<StepResult>;
  /** A JavaScript or template input evaluated against a model ({ input, vars, nodes }). */
  evaluate(expression: { js: string } | { template: string }, model: { input: Record<string, Json>; vars: Record<string, Json>; nodes: Record<string, Record<string, Json>> }): Promise<{ value?: Json; error?: string }>;
  /** True when the server answers; false when it cannot be reached. */
  reachable(): Promise<boolean>;
}

export function createApi(getKey: () => string = apiKey, base = ''): Api {
  const call = (method: string, path: string, body?: unknown) => request(getKey, base, method, path,
    f => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body), body);
  const json = async <T>(method: string, path: string, body?: unknown) => (await (await call(method, path, body)).json()) as T;
  const id = encodeURIComponent;
  return {
    activities: () => json('GET', '/api/activities'),
    listFlows: () => json('GET', '/api/flows'),
    getFlow: flowId => json('GET', `/api/flows/${id(flowId)}`),
    getFlowText: async flowId => (await call('GET', `/api/flows/${id(flowId)}`)).text(),
    saveFlow: (flow, publish = true) => json('PUT', `/api/flows/${id(flow.id)}?publish=${publish}`, flow),
    validate: flow => json('POST', '/api/flows/validate', flow),
    run: (flowId, inputs) => json('POST', `/api/flows/${id(flowId)}/run`, { inputs, mode: 'sync' }),
    journal: instanceId => json('GET', `/api/instances/${id(instanceId)}/journal`),
    versions: flowId => json('GET', `/api/flows/${id(flowId)}/versions`),
    getFlowVersion: (flowId, version) => json('GET', `/api/flows/${id(flowId)}?version=${version}`),
    publishVersion: (flowId, version) => json('POST', `/api/flows/${id(flowId)}/versions/${version}/publish`),
    formatFlow: async flow => (await call('POST', '/api/flows/format', flow)).text(),
    instances: flowId => json('GET', `/api/instances?flowId=${id(flowId)}&take=50`),
    instance: instanceId => json('GET', `/api/instances/${id(instanceId)}`),
    retryPlan: (instanceId, version, mapping) => json('GET', `/api/instances/${id(instanceId)}/retry-plan?version=${id(version)}`
      + Object.entries(mapping ?? {}).map(([from, to]) => `&map=${id(`${from}:${to}`)}`).join('')),
    retry: (instanceId, version, mapping, confirmUnsafe) =>
      json('POST', `/api/instances/${id(instanceId)}/retry${confirmUnsafe ? '?confirmUnsafe=true' : ''}`, mapping ? { version, mapping } : { version }),
    getDraft: async flowId => {
      try { return await json<Draft>('GET', `/api/flows/${id(flowId)}/draft`); } catch (e) { if (e instanceof ApiError && e.status === 404) return null; throw e; }
    },
    saveDraft: (flow, pins) => json('PUT', `/api/flows/${id(flow.id)}/draft`, { flow, pins }),
    publishDraft: flowId => json('POST', `/api/flows/${id(flowId)}/draft/publish`),
    runDraft: (flowId, inputs) => json('POST', `/api/flows/${id(flowId)}/draft/run`, { inputs }),
    testStep: (flowId, nodeId, upstream, inputs) => json('POST', `/api/flows/${id(flowId)}/draft/test-step`, { nodeId, upstream, inputs }),
    evaluate: (expression, model) => json('POST', '/api/expressions/evaluate', { expression, model }),
    setActive: (flowId, active) => json('PUT', `/api/flows/${id(flowId)}/active`, { active }),
    reachable: async () => {
      try { await fetch(`${base}/`, { method: 'HEAD', cache: 'no-store' }); return true; } catch { return false; }
    },
  };
}
