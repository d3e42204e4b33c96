import { describe, expect, it } from 'vitest';
import { convertMode, makeInputValue } from './inputs';

describe('convertMode', () => {
  it('keeps the meaning of a literal that becomes an expression', () => {
    expect(convertMode('literal', 'js', 'hello', 'string')).toBe('"hello"');
    expect(convertMode('literal', 'js', '[1, 2]', 'array')).toBe('[1,2]');
    expect(makeInputValue('js', convertMode('literal', 'js', '42', 'integer')!, 'integer')).toEqual({ js: '42' });
  });

  it('keeps plain text as a template of the same text', () => {
    expect(convertMode('literal', 'template', 'Dear customer', 'string')).toBe('Dear customer');
  });

  it('asks (undefined) before a switch that changes what the text means', () => {
    expect(convertMode('js', 'literal', 'nodes.a.body', 'string')).toBeUndefined();
    expect(convertMode('template', 'js', 'Hi {{ input.name }}', 'string')).toBeUndefined();
    expect(convertMode('js', 'template', 'input.name', 'string')).toBeUndefined();
    expect(convertMode('literal', 'template', 'a {{ b }}', 'string')).toBeUndefined();
  });

  it('switches an empty input freely', () => {
    expect(convertMode('js', 'literal', '  ', 'string')).toBe('  ');
    expect(convertMode('literal', 'template', '', 'string')).toBe('');
  });
});
