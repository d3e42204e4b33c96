import { describe, expect, it } from 'vitest';
import { rankPicks } from './components/NodePicker';
import type { ActivityDescriptor } from './types';

const d = (type: string, displayName: string, description = ''): ActivityDescriptor =>
  ({ type, displayName, description, category: 'X', inputs: [], outputs: [], outcomes: ['done'], dynamicOutcomes: false });

describe('the node picker', () => {
  it('puts the activity whose name starts with the query first, then names containing it', () => {
    const items = [d('Http.Paginate', 'Paginate HTTP API', 'sends requests'), d('Template', 'Template', 'not JavaScript'), d('RunJavaScript', 'Run JavaScript'), d('Http.SendRequest', 'Send HTTP Request')];
    expect(rankPicks(items, 'send')[0].type).toBe('Http.SendRequest');
    expect(rankPicks(items, 'javascript')[0].type).toBe('RunJavaScript');
    expect(rankPicks(items, '').map(x => x.type)).toEqual(items.map(x => x.type));
  });
});
