import { describe, expect, it } from 'vitest';
import { groupPalette } from './palette';
import type { ActivityDescriptor } from '../types';

const d = (type: string, category: string, displayName = type, description = ''): ActivityDescriptor =>
  ({ type, category, displayName, description, inputs: [], outputs: [], outcomes: ['done'], dynamicOutcomes: false,
    loopBodyOutcome: null, trigger: false, errorOutcomes: [], sideEffects: 'none' });

const all = [
  d('SetOutput', 'Control', 'Set Output', 'Sets one declared flow output'),
  d('Log', 'Control', 'Log', 'Writes a message'),
  d('Http.SendRequest', 'HTTP', 'Send HTTP Request', 'Sends a request'),
  d('RunJavaScript', 'Scripting', 'Run JavaScript'),
];

describe('palette', () => {
  it('groups by category in alphabetical order, items by display name', () => {
    expect(groupPalette(all).map(g => [g.category, g.items.map(i => i.type)])).toEqual([
      ['Control', ['Log', 'SetOutput']], ['HTTP', ['Http.SendRequest']], ['Scripting', ['RunJavaScript']],
    ]);
  });

  it('searches type, display name, category and description, every word, ignoring case', () => {
    expect(groupPalette(all, 'output').flatMap(g => g.items.map(i => i.type))).toEqual(['SetOutput']);
    expect(groupPalette(all, 'http send').flatMap(g => g.items.map(i => i.type))).toEqual(['Http.SendRequest']);
    expect(groupPalette(all, 'control message').flatMap(g => g.items.map(i => i.type))).toEqual(['Log']);
    expect(groupPalette(all, 'nothing-like-this')).toEqual([]);
  });
});
