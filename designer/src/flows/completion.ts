// Completion for JavaScript and template inputs, pure: what `input.`, `vars.` and `nodes.<id>.` offer in the current flow.
import { IDENTIFIER, type Design } from './flowJson';
import type { ActivityDescriptor } from '../types';

export interface ScopeEntry {
  name: string;
  /** The value type or activity type, shown next to the name. */
  detail?: string;
  info?: string;
}

export interface CompletionScope {
  inputs: ScopeEntry[];
  variables: ScopeEntry[];
  nodes: { id: string; type: string; outputs: ScopeEntry[] }[];
}

export interface CompletionOption {
  label: string;
  detail?: string;
  info?: string;
  kind: 'namespace' | 'property' | 'variable';
}

export interface CompletionResult {
  /** Where the completed word starts (the text between `from` and the cursor is what is being typed). */
  from: number;
  options: CompletionOption[];
}

interface Declared { name?: unknown; type?: unknown; label?: unknown; description?: unknown }

function entries(list: unknown): ScopeEntry[] {
  if (!Array.isArray(list)) return [];
  return (list as Declared[])
    .filter(d => d && typeof d.name === 'string' && d.name !== '')
    .map(d => ({
      name: d.name as string,
      detail: typeof d.type === 'string' ? d.type : undefined,
      info: typeof d.label === 'string' ? d.label : typeof d.description === 'string' ? d.description : undefined,
    }));
}

/** Every node's outputs also hold `error` when its fault outcome is connected. */
const ERROR_OUTPUT: ScopeEntry = { name: 'error', detail: 'object', info: 'the fault (error.message) when the fault outcome is connected' };

/** What an expression in this flow can read: declared inputs and variables, and each node's declared outputs. */
export function scopeOf(design: Design, descriptors: ReadonlyMap<string, ActivityDescriptor>): CompletionScope {
  return {
    inputs: entries(design.meta.rest.inputs),
    variables: entries(design.meta.rest.variables),
    nodes: design.nodes.map(n => {
      const descriptor = descriptors.get(n.data.type);
      const outputs = (descriptor?.outputs ?? []).map(o => ({ name: o.name, detail: o.type, info: o.description }));
      return { id: n.id, type: n.data.type, outputs: [...outputs, ERROR_OUTPUT] };
    }),
  };
}

const ROOTS: CompletionOption[] = [
  { label: 'input', kind: 'namespace', info: 'the flow inputs' },
  { label: 'vars', kind: 'namespace', info: 'the flow variables' },
  { label: 'nodes', kind: 'namespace', info: 'each node\'s outputs: nodes.<id>.<output>' },
  { label: 'flow', kind: 'namespace', info: 'id, name, version, instanceId, correlationId' },
];

const FLOW_FIELDS = ['id', 'name', 'version', 'instanceId', 'correlationId'];

/** A path being typed right before the cursor: a root name, optionally followed by dotted parts (node ids may hold dots and dashes). */
const PATH_BEFORE_CURSOR = /(?:^|[^A-Za-z0-9_$.\-])([A-Za-z_$][A-Za-z0-9_$]*(?:\.[A-Za-z0-9_$.\-]*)?)$/;

const option = (e: ScopeEntry, kind: CompletionOption['kind']): CompletionOption => ({ label: e.name, detail: e.detail, info: e.info, kind });

/**
 * Completions at `pos` in `text`: `input.` → the declared inputs, `vars.` → the variables, `nodes.` → the node ids,
 * `nodes.<id>.` → that node's outputs, `flow.` → the flow's fields; a bare word → the roots. Null when nothing applies.
 */
export function completeAt(text: string, pos: number, scope: CompletionScope): CompletionResult | null {
  const match = PATH_BEFORE_CURSOR.exec(text.slice(0, pos));
  if (!match) return null;
  const path = match[1];
  const start = pos - path.length;
  const dot = path.indexOf('.');
  if (dot < 0) {
    const options = ROOTS.filter(r => r.label.startsWith(path) && r.label !== path);
    return options.length ? { from: start, options } : null;
  }
  const root = path.slice(0, dot);
  const rest = path.slice(dot + 1);
  const restFrom = start + dot + 1;
  const lastSegment = (from: number, s: string) => {
    const at = s.lastIndexOf('.');
    return at < 0 ? { from, typed: s } : null;
  };
  switch (root) {
    case 'input': {
      const seg = lastSegment(restFrom, rest);
      return seg ? { from: seg.from, options: scope.inputs.map(e => option(e, 'property')) } : null;
    }
    case 'vars': {
      const seg = lastSegment(restFrom, rest);
      return seg ? { from: seg.from, options: scope.variables.map(e => option(e, 'variable')) } : null;
    }
    case 'flow': {
      const seg = lastSegment(restFrom, rest);
      return seg ? { from: seg.from, options: FLOW_FIELDS.map(name => ({ label: name, kind: 'property' as const })) } : null;
    }
    case 'nodes': {
      // The longest node id that the typed text continues past with a dot: then its outputs are offered.
      const node = [...scope.nodes]
        .filter(n => IDENTIFIER.test(n.id))
        .sort((a, b) => b.id.length - a.id.length)
        .find(n => rest.startsWith(`${n.id}.`));
      if (node) {
        const after = rest.slice(node.id.length + 1);
        if (after.includes('.')) return null;
        return { from: restFrom + node.id.length + 1, options: node.outputs.map(e => option(e, 'property')) };
      }
      // Only ids that are identifiers: `nodes.my-node` would not evaluate (rename such a node to use it).
      return { from: restFrom, options: scope.nodes.filter(n => IDENTIFIER.test(n.id)).map(n => ({ label: n.id, detail: n.type, kind: 'variable' as const })) };
    }
    default:
      return null;
  }
}
