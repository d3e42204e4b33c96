// The flow designer's calls of the FlowConnectors REST API, through the one generated client (api/client.ts): paths,
// parameters, bodies and answers are checked against the server's OpenAPI document. Who is signed in (session cookie with
// the antiforgery token, or the API key of the sign-in menu) is handled there.
import { answer, createServerClient, type RequestFailure, type Schemas } from './api/client';
import { apiKey } from './session';
import type {
  ActivityDescriptor, Draft, FlowJson, Pin, FlowProblem, FlowSummary, FlowVersion, InstanceDetail, InstanceSummary, JournalEntry, Json, RetryPlan, RunResult, ValidationResult,
} from './types';

export { API_KEY_STORAGE } from './session';

/** One node's test step (generated from the OpenAPI document). */
export type StepResult = Schemas['StepResult'];
/** A saved draft and its validation problems (severity narrowed). */
export type DraftSaved = Omit<Schemas['DraftSaved'], 'problems'> & { problems: FlowProblem[] };
/** What an edit started from: the flow's newest version and its draft's updatedAt (null: none). */
export type DraftBase = Schemas['DraftBase'];

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

export type { RequestFailure } from './api/client';

/** The problem-details message of a failed answer (its detail, else its title), if it has one. */
export function detailOf(body: unknown): string | undefined {
  const p = body as { detail?: string; title?: string } | null;
  return p?.detail ?? p?.title;
}

export interface Api {
  activities(): Promise<ActivityDescriptor[]>;
  listFlows(): Promise<FlowSummary[]>;
  getFlow(id: string): Promise<FlowJson>;
  getFlowText(id: string): Promise<string>;
  saveFlow(flow: FlowJson, publish?: boolean): Promise<Schemas['FlowSaved']>;
  validate(flow: FlowJson): Promise<ValidationResult>;
  /** Runs synchronously; a flow that suspends or outlasts the server's wait answers { instanceId, status: 'running' }. */
  run(id: string, inputs: Record<string, Json>): Promise<RunResult>;
  journal(instanceId: string): Promise<JournalEntry[]>;
  versions(id: string): Promise<FlowVersion[]>;
  getFlowVersion(id: string, version: number): Promise<FlowJson>;
  publishVersion(id: string, version: number): Promise<Schemas['FlowPublished']>;
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
  /** Saves the draft; with `base` (what the edit started from), a save over changes made meanwhile is refused 409. */
  saveDraft(flow: FlowJson, pins: Record<string, Pin>, base?: DraftBase): Promise<DraftSaved>;
  /** Makes the draft a new version and publishes it (its triggers run when the flow is active). */
  publishDraft(id: string): Promise<Schemas['DraftPublished']>;
  /** A test run of the draft: a real instance of version 0 (the draft); nothing published changes. */
  runDraft(id: string, inputs: Record<string, Json>): Promise<RunResult>;
  setActive(id: string, active: boolean): Promise<Schemas['FlowActiveResponse']>;
  /** Runs one node of the saved draft after the given upstream outputs (node id → outputs); nothing is stored. */
  testStep(id: string, nodeId: string, upstream: Record<string, Record<string, Json>>, inputs: Record<string, Json>): Promise<StepResult>;
  /** A JavaScript or template input evaluated against a model ({ input, vars, nodes }). */
  evaluate(expression: { js: string } | { template: string }, model: { input: Record<string, Json>; vars: Record<string, Json>; nodes: Record<string, Record<string, Json>> }): Promise<{ value?: Json; error?: string }>;
  /** True when the server answers; false when it cannot be reached. */
  reachable(): Promise<boolean>;
}

export function createApi(getKey: () => string = apiKey, base = ''): Api {
  const client = createServerClient(getKey, base);
  const fail = (f: RequestFailure) => new ApiError(f.status, `${f.method} ${f.path}: ${f.status} ${detailOf(f.body) ?? f.text}`, f.body);
  const flowPath = (id: string) => ({ params: { path: { id } } });
  return {
    activities: () => answer(client.GET('/api/activities'), fail) as Promise<ActivityDescriptor[]>,
    listFlows: () => answer(client.GET('/api/flows'), fail),
    getFlow: flowId => answer(client.GET('/api/flows/{id}', flowPath(flowId)), fail),
    getFlowText: flowId => answer(client.GET('/api/flows/{id}', { ...flowPath(flowId), parseAs: 'text' }), fail) as Promise<string>,
    saveFlow: (flow, publish = true) =>
      answer(client.PUT('/api/flows/{id}', { params: { path: { id: flow.id }, query: { publish: String(publish) } }, body: flow }), fail),
    validate: flow => answer(client.POST('/api/flows/validate', { body: flow }), fail) as Promise<ValidationResult>,
    run: (flowId, inputs) => answer(client.POST('/api/flows/{id}/run', { ...flowPath(flowId), body: { inputs, mode: 'sync' } }), fail) as Promise<RunResult>,
    journal: instanceId => answer(client.GET('/api/instances/{id}/journal', { params: { path: { id: instanceId } } }), fail),
    versions: flowId => answer(client.GET('/api/flows/{id}/versions', flowPath(flowId)), fail),
    getFlowVersion: (flowId, version) =>
      answer(client.GET('/api/flows/{id}', { params: { path: { id: flowId }, query: { version } } }), fail),
    publishVersion: (flowId, version) => answer(client.POST('/api/flows/{id}/versions/{version}/publish', { params: { path: { id: flowId, version } } }), fail),
    formatFlow: flow => answer(client.POST('/api/flows/format', { body: flow, parseAs: 'text' }), fail) as Promise<string>,
    instances: flowId => answer(client.GET('/api/instances', { params: { query: { flowId, take: 50 } } }), fail),
    instance: instanceId => answer(client.GET('/api/instances/{id}', { params: { path: { id: instanceId } } }), fail) as Promise<InstanceDetail>,
    retryPlan: (instanceId, version, mapping) => answer(client.GET('/api/instances/{id}/retry-plan', {
      params: { path: { id: instanceId }, query: { version, map: Object.entries(mapping ?? {}).map(([from, to]) => `${from}:${to}`) } },
    }), fail) as Promise<RetryPlan>,
    retry: (instanceId, version, mapping, confirmUnsafe) => answer(client.POST('/api/instances/{id}/retry', {
      params: { path: { id: instanceId }, query: confirmUnsafe ? { confirmUnsafe: true } : {} },
      body: mapping ? { version, mapping } : { version },
    }), fail) as Promise<RetryPlan>,
    getDraft: async flowId => {
      try { return await answer(client.GET('/api/flows/{id}/draft', flowPath(flowId)), fail) as unknown as Draft; }
      catch (e) { if (e instanceof ApiError && e.status === 404) return null; throw e; }
    },
    saveDraft: (flow, pins, base) => answer(client.PUT('/api/flows/{id}/draft', { ...flowPath(flow.id), body: { flow: flow, pins, base } }), fail) as Promise<DraftSaved>,
    publishDraft: flowId => answer(client.POST('/api/flows/{id}/draft/publish', flowPath(flowId)), fail),
    runDraft: (flowId, inputs) => answer(client.POST('/api/flows/{id}/draft/run', { ...flowPath(flowId), body: { inputs } }), fail) as Promise<RunResult>,
    testStep: (flowId, nodeId, upstream, inputs) =>
      answer(client.POST('/api/flows/{id}/draft/test-step', { ...flowPath(flowId), body: { nodeId, upstream, inputs } }), fail),
    evaluate: (expression, model) => answer(client.POST('/api/expressions/evaluate', { body: { expression, model } }), fail) as Promise<{ value?: Json; error?: string }>,
    setActive: (flowId, active) => answer(client.PUT('/api/flows/{id}/active', { ...flowPath(flowId), body: { active } }), fail),
    reachable: async () => {
      try { await fetch(`${base}/`, { method: 'HEAD', cache: 'no-store' }); return true; } catch { return false; }
    },
  };
}
