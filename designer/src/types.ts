// Wire types of the FlowConnectors REST API and flow JSON (see README "Flow JSON").
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface InputDescriptor {
  name: string;
  displayName?: string;
  description?: string;
  type: string;
  required: boolean;
  default?: Json;
  editor?: string | null;
  secret?: boolean;
  options?: string[] | null;
}

export interface OutputDescriptor {
  name: string;
  displayName?: string;
  description?: string;
  type: string;
}

export interface ActivityDescriptor {
  type: string;
  category: string;
  displayName: string;
  description: string;
  inputs: InputDescriptor[];
  outputs: OutputDescriptor[];
  outcomes: string[];
  dynamicOutcomes: boolean;
  loopBodyOutcome?: string | null;
  /** Starts instances (HTTP endpoint, schedule, event): a start node with no input handle. */
  trigger?: boolean;
  /** Outcomes that fault the node when nothing is connected to them (an HTTP 5xx). */
  errorOutcomes?: string[];
}

export interface FlowNodeJson {
  id: string;
  type: string;
  name?: string;
  description?: string;
  inputs?: Record<string, Json>;
  ui?: { [key: string]: Json };
  [key: string]: unknown;
}

export interface ConnectionJson {
  from: string;
  to: string;
}

export interface FlowJson {
  format: number;
  id: string;
  name?: string;
  nodes: FlowNodeJson[];
  connections: ConnectionJson[];
  [key: string]: unknown;
}

export interface FlowProblem {
  path: string;
  code: string;
  message: string;
  nodeId?: string | null;
  severity: 'error' | 'warning';
}

export interface ValidationResult {
  valid: boolean;
  problems: FlowProblem[];
}

export interface FlowSummary {
  flowId: string;
  name?: string | null;
  latestVersion: number;
  publishedVersion?: number | null;
  connectorKey?: string | null;
  updatedAt: string;
  /** Whether the published version's triggers run (the Active switch). */
  active?: boolean;
  /** The flow has a draft: unpublished edits. */
  hasDraft?: boolean;
}

/** A node's pinned output: test runs use it instead of running the node. */
export interface Pin {
  outputs: Record<string, Json>;
  outcome?: string;
}

export interface Draft {
  flow: FlowJson;
  pins: Record<string, Pin>;
  updatedAt: string;
}

export interface RunResult {
  instanceId: string;
  status: string;
  outputs?: Record<string, Json>;
  fault?: { nodeId?: string | null; message: string } | null;
}

export interface JournalEntry {
  nodeId: string;
  activityType?: string;
  /** ISO 8601 */
  startedAt?: string;
  /** A .NET TimeSpan: [d.]hh:mm:ss[.fffffff] */
  duration?: string;
  inputs?: Record<string, Json> | null;
  outputs?: Record<string, Json> | null;
  outcome?: string | null;
  error?: string | null;
}

export type InstanceStatus = 'running' | 'suspended' | 'finished' | 'faulted' | 'cancelled';

export interface InstanceSummary {
  instanceId: string;
  flowId: string;
  flowVersion: number;
  status: InstanceStatus;
  correlationId?: string | null;
  fault?: string | null;
  createdAt: string;
  updatedAt: string;
}

/** What a suspended instance waits for (never a callback token). */
export interface Wait {
  nodeId: string;
  activityType?: string | null;
  name: string;
  description: string;
  payload?: Json;
}

export interface InstanceDetail {
  instanceId: string;
  flowId: string;
  flowVersion: number;
  status: InstanceStatus;
  correlationId?: string | null;
  outputs: Record<string, Json>;
  variables: Record<string, Json>;
  fault?: { nodeId?: string | null; message: string } | null;
  waitingFor: Wait[];
  pendingNodes?: string[];
  /** A faulted instance that can be retried from its failed node. */
  retry?: { failedNode: string; unfinishedNodes: string[] } | null;
  /** Changes made from outside the run (retry, cancel, alter) and who made them. */
  history?: { at: string; action: string; by?: string | null; detail?: string | null }[];
  createdAt: string;
  updatedAt: string;
}

/** A node a retry runs again, and what running it again does outside the instance. */
export interface RerunNode {
  nodeId: string;
  activityType: string;
  sideEffects: 'none' | 'idempotent' | 'unsafe';
  iteration: string;
  idempotencyKey?: string | null;
  reason: string;
}

/** What a retry would run again (GET /api/instances/{id}/retry-plan). */
export interface RetryPlan {
  instanceId: string;
  flowId: string;
  fromVersion: number;
  toVersion: number;
  rerun: RerunNode[];
  unsafeNodes: string[];
}

export interface FlowVersion {
  flowId: string;
  version: number;
  published: boolean;
  createdAt: string;
}
