// The flow's declared inputs, outputs and variables as forms edit them, pure: field updates that keep every other
// field of the declaration, and validation messages naming the declaration and field (schemas/flow.schema.json).
import { inputText, makeInputValue } from './inputs';
import type { Json } from '../types';

export type DeclarationKind = 'inputs' | 'outputs' | 'variables';

export interface Declaration {
  name?: string;
  type?: string;
  label?: string;
  description?: string;
  required?: boolean;
  secret?: boolean;
  default?: Json;
  options?: DropdownOption[];
  [key: string]: unknown;
}

export interface DropdownOption {
  label?: string;
  value?: Json;
  [key: string]: unknown;
}

/** Which fields a kind of declaration has (variables: name, type, default only). */
export function fieldsOf(kind: DeclarationKind): (keyof Declaration & string)[] {
  return kind === 'variables'
    ? ['name', 'type', 'default']
    : ['name', 'type', 'label', 'description', 'required', 'secret', 'default', 'options'];
}

export const BASE_TYPES = ['string', 'number', 'integer', 'boolean', 'datetime', 'object', 'any', 'array'];
const TYPE_PATTERN = /^(array<)*(string|number|integer|boolean|datetime|object|any|array)>*$/;

/** The list as the flow holds it; anything that is not a list reads as empty. */
export function declarationsOf(value: unknown): Declaration[] {
  return Array.isArray(value) ? (value as Declaration[]) : [];
}

/** Sets (or, for undefined, '' and false, removes) one field of declaration `index`, keeping the others and their order. */
export function setField(list: Declaration[], index: number, field: string, value: unknown): Declaration[] {
  return list.map((d, i) => {
    if (i !== index) return d;
    const next: Declaration = { ...d };
    if (value === undefined || value === '' || value === false) delete next[field];
    else next[field] = value;
    return next;
  });
}

export function addDeclaration(list: Declaration[], kind: DeclarationKind): Declaration[] {
  const taken = new Set(list.map(d => d.name));
  const stem = kind === 'inputs' ? 'input' : kind === 'outputs' ? 'output' : 'variable';
  let i = 1;
  while (taken.has(`${stem}${i}`)) i++;
  // An output holds whatever the flow computes (a list, an object): 'any' until the author narrows it.
  return [...list, { name: `${stem}${i}`, type: kind === 'outputs' ? 'any' : 'string' }];
}

export function removeDeclaration(list: Declaration[], index: number): Declaration[] {
  return list.filter((_, i) => i !== index);
}

export function moveDeclaration(list: Declaration[], index: number, by: -1 | 1): Declaration[] {
  const to = index + by;
  if (to < 0 || to >= list.length) return list;
  const next = [...list];
  [next[index], next[to]] = [next[to], next[index]];
  return next;
}

/** The text a default (or an option value) shows: strings of text types raw, everything else as JSON. */
export function valueText(value: Json | undefined, type: string | undefined): string {
  return inputText(value, type ?? 'any');
}

/** The value for the text typed as a default or option value; undefined for empty text. */
export function parseValue(text: string, type: string | undefined): Json | undefined {
  return makeInputValue('literal', text, type ?? 'any');
}

export interface DeclarationProblem {
  index: number;
  field: string;
  /** e.g. "outputs[1].name: 'total' is declared twice" */
  message: string;
}

function fits(value: Json, type: string): boolean {
  if (type.startsWith('array')) return Array.isArray(value);
  switch (type) {
    case 'string': case 'datetime': return typeof value === 'string';
    case 'number': return typeof value === 'number';
    case 'integer': return typeof value === 'number' && Number.isInteger(value);
    case 'boolean': return typeof value === 'boolean';
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value);
    default: return true;
  }
}

/** Every problem of the list at once: missing, duplicate or malformed names, unknown types, defaults and options that do not fit. */
export function validateDeclarations(list: Declaration[], kind: DeclarationKind): DeclarationProblem[] {
  const problems: DeclarationProblem[] = [];
  const add = (index: number, field: string, text: string) => problems.push({ index, field, message: `${kind}[${index}].${field}: ${text}` });
  const seen = new Map<string, number>();
  const allowed = new Set(fieldsOf(kind));
  list.forEach((d, i) => {
    if (typeof d !== 'object' || d === null || Array.isArray(d)) { add(i, 'name', 'must be an object with a name'); return; }
    const name = d.name;
    if (typeof name !== 'string' || name.trim() === '') add(i, 'name', 'a name is required');
    else if (!/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name)) add(i, 'name', `'${name}' is not usable as ${kind === 'variables' ? 'vars' : 'input'}.<name>: letters, digits, _ and $, not starting with a digit`);
    else if (seen.has(name)) add(i, 'name', `'${name}' is declared twice (also at ${seen.get(name)})`);
    else seen.set(name, i);
    const type = d.type ?? 'any';
    if (typeof type !== 'string' || !TYPE_PATTERN.test(type)) add(i, 'type', `'${String(type)}' is not a type (${BASE_TYPES.join(', ')} or array<T>)`);
    for (const key of Object.keys(d)) if (!allowed.has(key)) add(i, key, `${kind} do not have a '${key}' field`);
    const typeOk = typeof type === 'string' && TYPE_PATTERN.test(type);
    if (d.default !== undefined && d.default !== null && typeOk && !fits(d.default, type)) add(i, 'default', `${JSON.stringify(d.default)} does not fit type ${type}`);
    if (d.options !== undefined) {
      if (!Array.isArray(d.options)) add(i, 'options', 'must be a list of { label, value }');
      else d.options.forEach((o, j) => {
        if (typeof o !== 'object' || o === null || o.value === undefined) add(i, 'options', `option ${j + 1} needs a value`);
        else if (typeOk && o.value !== null && !fits(o.value, type)) add(i, 'options', `option ${j + 1}'s value ${JSON.stringify(o.value)} does not fit type ${type}`);
      });
    }
  });
  return problems;
}
