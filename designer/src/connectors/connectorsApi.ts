// Typed client of the connector authoring and connection endpoints, in createApi's style; signed in as the
// session (session.ts) says.
import { ApiError, detailOf } from '../api';
import { answer, createServerClient, type RequestFailure, type Schemas } from '../api/client';
import { apiKey } from '../session';
import type { Json, Pin } from '../types';
import type {
  CardStepResult, CardTestResult, ConnectionAccess, ConnectionInfo, ConnectorCardInfo, ConnectorFlowJson, ConnectorProblem, ConnectorSource, ConnectorSummary, DropdownItem, FlowParameterJson, Manifest,
} from './types';

export interface ConnectorsApi {
  connectors(): Promise<ConnectorSummary[]>;
  source(key: string): Promise<ConnectorSource>;
  create(body: Partial<Manifest> & { authPingPath?: string }): Promise<ConnectorSource>;
  saveSettings(key: string, settings: Partial<Manifest>): Promise<ConnectorSource>;
  /** confirm: save even when flows set inputs the change removes or retypes (else 409 CARD_INPUT_IN_USE / CARD_INPUT_RETYPED). */
  saveFlow(key: string, flow: ConnectorFlowJson, confirm?: boolean): Promise<ConnectorSource>;
  testFlow(key: string, flow: ConnectorFlowJson, connectionId: string, inputs: Record<string, Json>, pins: Record<string, Pin>): Promise<CardTestResult>;
  testStep(key: string, flow: ConnectorFlowJson, nodeId: string, connectionId: string, inputs: Record<string, Json>, upstream: Record<string, Record<string, Json>>): Promise<CardStepResult>;
  deleteFlow(key: string, flowId: string): Promise<ConnectorSource>;
  cards(): Promise<ConnectorCardInfo[]>;
  dropdown(key: string, flowId: string, field: string, connectionId: string, values: Record<string, Json>): Promise<DropdownItem[]>;
  dynamicInputs(key: string, flowId: string, connectionId: string, values: Record<string, Json>): Promise<FlowParameterJson[]>;
  connections(): Promise<ConnectionInfo[]>;
  connection(id: string): Promise<ConnectionInfo>;
  createConnection(connector: string, name: string, values: Record<string, string>): Promise<ConnectionInfo>;
  testConnection(id: string): Promise<Schemas['ConnectionTestResult']>;
  authorize(id: string): Promise<Schemas['AuthorizeStarted']>;
  deauthorize(id: string): Promise<Schemas['ConnectionDeauthorized']>;
  deleteConnection(id: string): Promise<void>;
  /** Replaces values in place (secrets are write-only); the server tests the connection again when a secret changes. */
  updateConnection(id: string, values: Record<string, string>): Promise<ConnectionInfo>;
  access(id: string): Promise<ConnectionAccess>;
  share(id: string, share: { user?: string; role?: string; right: 'use' | 'manage' }): Promise<ConnectionAccess>;
  unshare(id: string, kind: 'user' | 'role', principal: string): Promise<ConnectionAccess>;
}

/** True for the 409 of a save that removes or retypes card inputs flows set (the problems name them). */
export function isInputsInUse(e: unknown): boolean {
  return e instanceof ApiError && e.status === 409 && connectorProblems(e).some(p => p.code === 'CARD_INPUT_IN_USE' || p.code === 'CARD_INPUT_RETYPED');
}

/** The problems a 400 from an authoring write carries (file, JSON path, code). */
export function connectorProblems(e: unknown): ConnectorProblem[] {
  if (!(e instanceof ApiError)) return [];
  const body = e.body as { errors?: unknown } | null;
  return Array.isArray(body?.errors) ? (body.errors as ConnectorProblem[]).filter(p => p && typeof p.code === 'string') : [];
}

export function createConnectorsApi(getKey: () => string = apiKey, base = ''): ConnectorsApi {
  const client = createServerClient(getKey, base);
  const fail = (f: RequestFailure) => new ApiError(f.status, detailOf(f.body) ?? `${f.method} ${f.path}: ${f.status} ${f.text}`, f.body);
  // The call is checked against the OpenAPI document; answers are read as the designer's narrowings of the generated
  // types (types.ts: status strings as their values, bare JSON lists as flow declarations).
  const typed = async <T>(call: Promise<{ data?: unknown; error?: unknown; response: Response }>) => await answer(call, fail) as T;
  const connector = (key: string, flowId: string) => ({ params: { path: { key, flowId } } });
  const connection = (id: string) => ({ params: { path: { id } } });
  return {
    connectors: () => typed(client.GET('/api/connectors')),
    source: key => typed(client.GET('/api/connectors/{key}/source', { params: { path: { key } } })),
    create: body => typed(client.POST('/api/connectors', { body: body as Schemas['ConnectorCreateRequest'] })),
    saveSettings: (key, settings) => typed(client.PUT('/api/connectors/{key}/settings', { params: { path: { key } }, body: settings })),
    saveFlow: (key, flow, confirm) =>
      typed(client.PUT('/api/connectors/{key}/flows/{flowId}', { params: { path: { key, flowId: flow.id }, query: confirm ? { confirm: true } : {} }, body: flow })),
    testFlow: (key, flow, connectionId, inputs, pins) => typed(client.POST('/api/connectors/{key}/flows/{flowId}/test',
      { ...connector(key, flow.id), body: { flow, connectionId: connectionId || null, inputs, pins } })),
    testStep: (key, flow, nodeId, connectionId, inputs, upstream) => typed(client.POST('/api/connectors/{key}/flows/{flowId}/test-step',
      { ...connector(key, flow.id), body: { flow, nodeId, connectionId: connectionId || null, inputs, upstream } })),
    deleteFlow: (key, flowId) => typed(client.DELETE('/api/connectors/{key}/flows/{flowId}', connector(key, flowId))),
    cards: () => typed(client.GET('/api/connector-cards')),
    dropdown: async (key, flowId, field, connectionId, values) => (await typed<{ items: DropdownItem[] }>(client.POST(
      '/api/connectors/{key}/flows/{flowId}/fields/{field}/dropdown', { params: { path: { key, flowId, field } }, body: { connectionId, values } }))).items,
    dynamicInputs: async (key, flowId, connectionId, values) => (await typed<{ fields: FlowParameterJson[] }>(client.POST(
      '/api/connectors/{key}/flows/{flowId}/dynamic-inputs', { ...connector(key, flowId), body: { connectionId, values } }))).fields,
    connections: () => typed(client.GET('/api/connections')),
    connection: id => typed(client.GET('/api/connections/{id}', connection(id))),
    createConnection: (connector, name, values) => typed(client.POST('/api/connections', { body: { connector, name, values } })),
    testConnection: id => typed(client.POST('/api/connections/{id}/test', connection(id))),
    authorize: id => typed(client.POST('/api/connections/{id}/authorize', connection(id))),
    deauthorize: id => typed(client.POST('/api/connections/{id}/deauthorize', connection(id))),
    deleteConnection: async id => { await answer(client.DELETE('/api/connections/{id}', connection(id)), fail); },
    access: id => typed(client.GET('/api/connections/{id}/access', connection(id))),
    share: (id, share) => typed(client.POST('/api/connections/{id}/shares', { ...connection(id), body: { user: share.user ?? null, role: share.role ?? null, right: share.right } })),
    unshare: (id, kind, principal) => typed(client.DELETE('/api/connections/{id}/shares/{kind}/{principal}', { params: { path: { id, kind, principal } } })),
    updateConnection: (id, values) => typed(client.PUT('/api/connections/{id}', { ...connection(id), body: { values } })),
  };
}
