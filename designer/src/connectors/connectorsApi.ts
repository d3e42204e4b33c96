// Typed client of the connector authoring and connection endpoints, in createApi's style; signed in as the
// session (session.ts) says.
import { ApiError, detailOf, request } from '../api';
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
  testConnection(id: string): Promise<{ ok: boolean; reason?: string | null }>;
  authorize(id: string): Promise<{ authorizeUrl: string }>;
  deauthorize(id: string): Promise<{ revoked: boolean; revokeError?: string | null }>;
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
  const call = (method: string, path: string, body?: unknown) => request(getKey, base, method, path,
    f => new ApiError(f.status, detailOf(f.body) ?? `${f.method} ${f.path}: ${f.status} ${f.text}`, f.body), body);
  const json = async <T>(method: string, path: string, body?: unknown) => (await (await call(method, path, body)).json()) as T;
  const id = encodeURIComponent;
  return {
    connectors: () => json('GET', '/api/connectors'),
    source: key => json('GET', `/api/connectors/${id(key)}/source`),
    create: body => json('POST', '/api/connectors', body),
    saveSettings: (key, settings) => json('PUT', `/api/connectors/${id(key)}/settings`, settings),
    saveFlow: (key, flow, confirm) => json('PUT', `/api/connectors/${id(key)}/flows/${id(flow.id)}${confirm ? '?confirm=true' : ''}`, flow),
    testFlow: (key, flow, connectionId, inputs, pins) =>
      json('POST', `/api/connectors/${id(key)}/flows/${id(flow.id)}/test`, { flow, connectionId: connectionId || null, inputs, pins }),
    testStep: (key, flow, nodeId, connectionId, inputs, upstream) =>
      json('POST', `/api/connectors/${id(key)}/flows/${id(flow.id)}/test-step`, { flow, nodeId, connectionId: connectionId || null, inputs, upstream }),
    deleteFlow: (key, flowId) => json('DELETE', `/api/connectors/${id(key)}/flows/${id(flowId)}`),
    cards: () => json('GET', '/api/connector-cards'),
    dropdown: async (key, flowId, field, connectionId, values) =>
      (await json<{ items: DropdownItem[] }>('POST', `/api/connectors/${id(key)}/flows/${id(flowId)}/fields/${id(field)}/dropdown`, { connectionId, values })).items,
    dynamicInputs: async (key, flowId, connectionId, values) =>
      (await json<{ fields: FlowParameterJson[] }>('POST', `/api/connectors/${id(key)}/flows/${id(flowId)}/dynamic-inputs`, { connectionId, values })).fields,
    connections: () => json('GET', '/api/connections'),
    connection: connectionId => json('GET', `/api/connections/${id(connectionId)}`),
    createConnection: (connector, name, values) => json('POST', '/api/connections', { connector, name, values }),
    testConnection: connectionId => json('POST', `/api/connections/${id(connectionId)}/test`),
    authorize: connectionId => json('POST', `/api/connections/${id(connectionId)}/authorize`),
    deauthorize: connectionId => json('POST', `/api/connections/${id(connectionId)}/deauthorize`),
    deleteConnection: async connectionId => { await call('DELETE', `/api/connections/${id(connectionId)}`); },
    access: connectionId => json('GET', `/api/connections/${id(connectionId)}/access`),
    share: (connectionId, share) => json('POST', `/api/connections/${id(connectionId)}/shares`, share),
    unshare: (connectionId, kind, principal) => json('DELETE', `/api/connections/${id(connectionId)}/shares/${id(kind)}/${id(principal)}`),
    updateConnection: (connectionId, values) => json('PUT', `/api/connections/${id(connectionId)}`, { values }),
  };
}
