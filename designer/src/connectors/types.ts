// Wire types of the connector authoring API and connections (see docs/connectors.md).
import type { FlowJson, Json } from '../types';
import type { Schemas } from '../api/client';
import type { Declaration } from '../flows/declarations';

// The wire types are the generated ones (api/schema.ts): the manifest and the card block are described there by
// schemas/connector.schema.json and schemas/card.schema.json. Narrowed where the document types a member as a string
// or a bare JSON list.

/** A connector manifest (connector.json). */
export type Manifest = Schemas['ConnectorManifest'];
export type AuthKind = Manifest['auth']['kind'];
export type ConnectionParameter = NonNullable<Manifest['connectionParameters']>[number];
export type ParameterType = NonNullable<ConnectionParameter['type']>;
export type ParameterOption = NonNullable<ConnectionParameter['options']>[number];

/** A declared flow input or output, as a connector flow saves it (always named): what a card shows. */
export type FlowParameterJson = Declaration & { name: string };

/** A helper flow that fills a dropdown or the dynamic inputs, and the fields it depends on. */
export type DynamicSource = Schemas['CardDocumentDynamicSource'];

/** A flow's card block: what card it is and how it shows. */
export type CardJson = Schemas['CardDocument'];

/** A connector's flow: a flow document whose declarations are named and whose card block is a card's. */
export type ConnectorFlowJson = Omit<FlowJson, 'inputs' | 'outputs' | 'card'> & {
  inputs?: FlowParameterJson[];
  outputs?: FlowParameterJson[];
  card?: CardJson;
};

/**
 * A connector's files as the authoring API answers them (installed: it lives in the server's data folder, false for a
 * sample; iconUrl: the manifest's icon as a data: URL, null when it has none).
 */
export type ConnectorSource = Omit<Schemas['ConnectorSource'], 'flows' | 'warnings'> & {
  flows: ConnectorFlowJson[];
  warnings?: ConnectorProblem[] | null;
};

/** An installed connector in the list, with the parameters a connection to it takes. */
export type ConnectorSummary = Omit<Schemas['ConnectorResponse'], 'auth' | 'connectionParameters'> & {
  auth: AuthKind;
  connectionParameters: (Omit<Schemas['ConnectorParameterResponse'], 'type'> & { type: ParameterType })[];
};

/**
 * A problem of a connector file: the generated type (a save's warnings), its severity narrowed. A refused save's problem
 * details carry the same members, optionally without severity, and CARD_INPUT_IN_USE / CARD_INPUT_RETYPED add the flow,
 * where (draft, version n) and node that set the input: the document describes no problem details' members, so those
 * extras are written here.
 */
export type ConnectorProblem = Omit<Schemas['FileProblemResponse'], 'severity'> & {
  severity?: 'error' | 'warning';
  flowId?: string;
  where?: string;
  nodeId?: string;
  input?: string;
};

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

/** An action card as people using the connector see it (GET /api/connector-cards); iconUrl is its connector's icon as a data: URL. */
export type ConnectorCardInfo = Omit<Schemas['ConnectorCardResponse'], 'inputs' | 'outputs' | 'card'> & {
  inputs: FlowParameterJson[];
  outputs: FlowParameterJson[];
  card: CardJson;
};

/** A dynamic dropdown's item: the generated type, its key and value (any JSON a helper flow returns) as flow JSON. */
export type DropdownItem = Omit<Schemas['DropdownItem'], 'key' | 'value'> & { key: Json; value: Json };

/** A card test run inside its connector (POST …/flows/{flowId}/test); its outputs are flow JSON. */
export type CardTestResult = Omit<Schemas['CardTestRun'], 'status' | 'outputs' | 'journal'> & {
  status: 'running' | 'suspended' | 'finished' | 'faulted' | 'cancelled';
  outputs: Record<string, Json>;
  journal: import('../types').JournalEntry[];
};

/** One node tested alone (POST …/flows/{flowId}/test-step); its inputs and outputs are flow JSON. */
export type CardStepResult = Omit<Schemas['StepResult'], 'inputs' | 'outputs'> & { inputs: Record<string, Json> | null; outputs: Record<string, Json> | null };
