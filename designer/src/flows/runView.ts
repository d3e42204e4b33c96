// A run as the canvas shows it, pure: each node's status and duration from the journal and the instance, and the
// run form's values turned into the flow's inputs.
import { declarationsOf, type Declaration } from './declarations';
import type { InstanceDetail, JournalEntry, Json } from '../types';

export type NodeRunStatus = 'running' | 'done' | 'faulted' | 'suspended';

export interface NodeRun {
  status: NodeRunStatus;
  /** Total time of the node's executions in milliseconds (a loop body runs several times); absent while running. */
  durationMs?: number;
  /** How many times the node ran. */
  runs: number;
}

/** Milliseconds of a .NET TimeSpan as System.Text.Json writes it: [-][d.]hh:mm:ss[.fffffff]; undefined when unreadable. */
export function parseDuration(text: string | undefined | null): number | undefined {
  if (!text) return undefined;
  const m = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(text);
  if (!m) return undefined;
  const [, minus, days, hours, minutes, seconds, fraction] = m;
  const ms = ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000
    + (fraction ? Number(fraction.padEnd(7, '0')) / 10_000 : 0);
  return minus ? -ms : ms;
}

/** 0.42 ms, 12 ms, 1.35 s, 2 min 5 s */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined) return '';
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function statusOf(entry: JournalEntry): NodeRunStatus {
  if (entry.error || entry.outcome === 'fault') return 'faulted';
  if (entry.outcome === 'suspended') return 'suspended';
  return 'done';
}

/**
 * Each node's status from the journal (the last execution decides; durations add up), then what the instance says:
 * the nodes it waits at are suspended, the nodes it is about to run are running, the faulted node is faulted.
 */
export function nodeRuns(journal: JournalEntry[], instance?: Pick<InstanceDetail, 'status' | 'waitingFor' | 'pendingNodes' | 'fault'>): Record<string, NodeRun> {
  const runs: Record<string, NodeRun> = {};
  for (const entry of journal) {
    const previous = runs[entry.nodeId];
    const ms = parseDuration(entry.duration);
    runs[entry.nodeId] = {
      status: statusOf(entry),
      durationMs: ms === undefined ? previous?.durationMs : (previous?.durationMs ?? 0) + ms,
      runs: (previous?.runs ?? 0) + 1,
    };
  }
  if (!instance) return runs;
  if (instance.status === 'suspended')
    for (const wait of instance.waitingFor) runs[wait.nodeId] = { ...(runs[wait.nodeId] ?? { runs: 0 }), status: 'suspended' };
  if (instance.status === 'running')
    for (const id of instance.pendingNodes ?? []) runs[id] = { ...(runs[id] ?? { runs: 0 }), status: 'running' };
  const faulted = instance.fault?.nodeId;
  if (faulted) runs[faulted] = { ...(runs[faulted] ?? { runs: 0 }), status: 'faulted' };
  return runs;
}

/** The form control a declared input gets. */
export function controlOf(d: Declaration): 'text' | 'number' | 'checkbox' | 'select' | 'json' {
  if (Array.isArray(d.options) && d.options.length) return 'select';
  switch (d.type ?? 'any') {
    case 'string': case 'datetime': return 'text';
    case 'number': case 'integer': return 'number';
    case 'boolean': return 'checkbox';
    default: return 'json';
  }
}

/** What the form shows first for an input: its default, else empty. */
export function initialFormValues(declared: unknown): Record<string, string | boolean> {
  const values: Record<string, string | boolean> = {};
  for (const d of declarationsOf(declared)) {
    if (typeof d.name !== 'string') continue;
    const control = controlOf(d);
    if (control === 'checkbox') values[d.name] = d.default === true;
    else if (d.default === undefined || d.default === null) values[d.name] = '';
    else if (control === 'select') values[d.name] = JSON.stringify(d.default);
    else values[d.name] = typeof d.default === 'string' && control === 'text' ? d.default : control === 'json' ? JSON.stringify(d.default, null, 2) : String(d.default);
  }
  return values;
}

/** The run's inputs from the form: empty fields are left out (the flow's defaults apply); errors name the input. */
export function formToInputs(declared: unknown, values: Record<string, string | boolean>): { inputs: Record<string, Json>; errors: string[] } {
  const inputs: Record<string, Json> = {};
  const errors: string[] = [];
  for (const d of declarationsOf(declared)) {
    if (typeof d.name !== 'string') continue;
    const value = values[d.name];
    const control = controlOf(d);
    if (control === 'checkbox') { inputs[d.name] = value === true; continue; }
    if (typeof value !== 'string' || value.trim() === '') {
      if (d.required && d.default === undefined) errors.push(`${d.label ?? d.name} is required`);
      continue;
    }
    if (control === 'text') inputs[d.name] = value;
    else if (control === 'select') inputs[d.name] = JSON.parse(value) as Json;
    else if (control === 'number') {
      const n = Number(value);
      if (!Number.isFinite(n)) errors.push(`${d.name}: '${value}' is not a number`);
      else if (d.type === 'integer' && !Number.isInteger(n)) errors.push(`${d.name}: '${value}' is not an integer`);
      else inputs[d.name] = n;
    } else {
      try { inputs[d.name] = JSON.parse(value) as Json; } catch (e) {
        if ((d.type ?? 'any') === 'any') inputs[d.name] = value; // any: text that is not JSON is a string
        else errors.push(`${d.name}: not JSON (${(e as Error).message})`);
      }
    }
  }
  return { inputs, errors };
}
