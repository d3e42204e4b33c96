// Wire types of the connector authoring API and connections (see docs/connectors.md).
import type { FlowJson, Json } from '../types';
import type { Schemas } from '../api/client';
import type { Declaration } from '../flows/declarations';

export type AuthKind = 'none' | 'basic' | 'apiKey' | 'oauth2ClientCredentials' | 'oauth2AuthorizationCode' | 'custom';
export type ParameterType = 'text' | 'password' | 'dropdown';

export interface ParameterOption { label?: string; value: string }

export interface ConnectionParameter {
  name: string;
  label?: string;
  type?: ParameterType;
  required?: boolean;
  description?: string;
  default?: string;
  options?: ParameterOption[];
}

export interface Manifest {
  key: string;
  name: string;
  version: string;
  description?: string;
  icon?: string;
  accentColor?: string;
  documentationUrl?: string;
  supportEmail?: string;
  baseUrl: string;
  auth: { kind: AuthKind; [field: string]: Json | undefined };
  connectionParameters?: ConnectionParameter[];
  [field: string]: unknown;
}

/** A declared flow input or output, as a connector flow saves it (always named): what a card shows. */
export type FlowParameterJson = Declaration & { name: string };

export interface DynamicSource { flow: string; dependsOn?: string[] }

export interface CardJson {
  kind: 'action' | 'helper' | 'event' | 'polling';
  label?: string;
  description?: string;
  group?: string;
  options?: string[];
  fields?: Record<string, { dropdown?: DynamicSource }>;
  dynamicInputs?: DynamicSource;
  selectableOutputs?: boolean;
  registration?: string;
  deregistration?: string;
  interval?: string;
  [field: string]: unknown;
}

export interface ConnectorFlowJson extends FlowJson {
  inputs?: FlowParameterJson[];
  outputs?: FlowParameterJson[];
  card?: CardJson;
}

export interface ConnectorSource {
  key: string;
  /** True when the connector lives in the server's data folder (edited or created here), false for a sample. */
  installed: boolean;
  manifest: Manifest;
  flows: ConnectorFlowJson[];
  warnings?: ConnectorProblem[];
  /** The manifest's icon as a data: URL (null when it has none). */
  iconUrl?: string | null;
}

export interface ConnectorSummary {
  key: string;
  name: string;
  version: string;
  description?: string | null;
  accentColor?: string | null;
  auth: AuthKind;
  connectionParameters: ConnectionParameter[];
}

export interface ConnectorProblem {
  file: string;
  path: string;
  code: string;
  message: string;
  severity?: 'error' | 'warning';
  /** CARD_INPUT_IN_USE / CARD_INPUT_RETYPED: the flow, where (draft, version n) and node that set the input. */
  flowId?: string;
  where?: string;
  nodeId?: string;
  input?: string;
}

/**
 * A connection as the caller may see it (the generated type, its string members narrowed). values is null for a
 * connection shared with the caller for use only: they see its name and health, not its values. access is what the
 * caller may do with it: use it (run with it) or manage it (see values, edit, deauthorize, share). status is its last
 * test's result (tested on creation and when a secret is replaced), or why it may not be used.
 */
export type ConnectionInfo = Omit<Schemas['ConnectionResponse'], 'access' | 'status' | 'health'> & {
  access: 'use' | 'manage' | null;
  status: 'authorized' | 'testFailed' | 'needsReauthorization' | 'deauthorized';
  health: 'healthy' | 'expiring' | 'needsReauthorization';
};

/** A connection's owner and shares (GET /api/connections/{id}/access). */
export type ConnectionAccess = Omit<Schemas['ConnectionAccessResponse'], 'shares' | 'yourRight'> & {
  shares: (Omit<Schemas['ConnectionShareResponse'], 'kind' | 'right'> & { kind: 'user' | 'role'; right: 'use' | 'manage' })[];
  yourRight: 'none' | 'use' | 'manage';
};

/** An action card as people using the connector see it (GET /api/connector-cards). */
export interface ConnectorCardInfo {
  connector: string;
  connectorName: string;
  accentColor?: string | null;
  /** The connector's icon as a data: URL (null when it has none). */
  iconUrl?: string | null;
  flowId: string;
  name?: string | null;
  inputs: FlowParameterJson[];
  outputs: FlowParameterJson[];
  card: CardJson;
}

export interface DropdownItem { key: Json; value: Json }

/** A card test run inside its connector (POST …/flows/{flowId}/test). */
export interface CardTestResult {
  status: 'running' | 'suspended' | 'finished' | 'faulted' | 'cancelled';
  outputs: Record<string, Json>;
  fault?: { nodeId?: string | null; message: string } | null;
  journal: import('../types').JournalEntry[];
}

/** One node tested alone (POST …/flows/{flowId}/test-step); its inputs and outputs are flow JSON. */
export type CardStepResult = Omit<Schemas['StepResult'], 'inputs' | 'outputs'> & { inputs: Record<string, Json> | null; outputs: Record<string, Json> | null };
