// An input value as the inspector edits it: literal, JavaScript ({ js }) or template ({ template }), pure.
import type { Json } from '../types';

export type InputMode = 'literal' | 'js' | 'template';

function isObject(v: Json | undefined): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function inputMode(value: Json | undefined): InputMode {
  if (isObject(value)) {
    const keys = Object.keys(value);
    if (keys.length === 1 && keys[0] === 'js' && typeof value.js === 'string') return 'js';
    if (keys.length === 1 && keys[0] === 'template' && typeof value.template === 'string') return 'template';
  }
  return 'literal';
}

/** The text the editor shows. String literals of text inputs show raw; other literals show as JSON. */
export function inputText(value: Json | undefined, type: string): string {
  if (value === undefined) return '';
  const mode = inputMode(value);
  if (mode === 'js') return (value as { js: string }).js;
  if (mode === 'template') return (value as { template: string }).template;
  if (typeof value === 'string' && isTextType(type)) return value;
  return JSON.stringify(value, null, 2);
}

function isTextType(type: string): boolean {
  return type === 'string' || type === 'datetime';
}

/** The stored value for editor text; undefined clears the input. Non-text literals parse as JSON, else stay text. */
export function makeInputValue(mode: InputMode, text: string, type: string): Json | undefined {
  if (mode === 'js') return { js: text };
  if (mode === 'template') return { template: text };
  if (text === '') return undefined;
  if (isTextType(type)) return text;
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

/**
 * The text of the value in another mode when the switch keeps its meaning (a literal becomes the same value as an
 * expression; plain text stays text in a template), else undefined: that switch must be confirmed.
 */
export function convertMode(from: InputMode, to: InputMode, text: string, type: string): string | undefined {
  if (text.trim() === '' || from === to) return text;
  if (from === 'literal' && to === 'js') {
    const value = makeInputValue('literal', text, type);
    return value === undefined ? '' : JSON.stringify(value);
  }
  if (from === 'literal' && to === 'template' && typeof makeInputValue('literal', text, type) === 'string' && !text.includes('{{')) return text;
  return undefined;
}

