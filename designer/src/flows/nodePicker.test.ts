import { describe, expect, it } from 'vitest';
import { pickItems, rankPicks } from './components/NodePicker';
import type { ConnectorCardInfo } from '../connectors/types';
import type { ActivityDescriptor } from '../types';

const d = (type: string, displayName: string, description = '', trigger = false): ActivityDescriptor =>
  ({ type, displayName, description, category: 'X', inputs: [], outputs: [], outcomes: ['done'], dynamicOutcomes: false, trigger,
    loopBodyOutcome: null, errorOutcomes: [], sideEffects: 'none' });

const card = (connector: string, connectorName: string, flowId: string, label: string): ConnectorCardInfo =>
  ({ connector, connectorName, flowId, name: null, accentColor: '#2B8A3E', iconUrl: null, inputs: [], outputs: [], card: { kind: 'action', label } });

describe('the node picker', () => {
  it('puts the activity whose name starts with the query first, then names containing it', () => {
    const items = [d('Http.Paginate', 'Paginate HTTP API', 'sends requests'), d('Template', 'Template', 'not JavaScript'), d('RunJavaScript', 'Run JavaScript'), d('Http.SendRequest', 'Send HTTP Request')];
    expect(rankPicks(items, 'send')[0].type).toBe('Http.SendRequest');
    expect(rankPicks(items, 'javascript')[0].type).toBe('RunJavaScript');
    expect(rankPicks(items, '').map(x => x.type)).toEqual(items.map(x => x.type));
  });

  const descriptors = [d('Log', 'Log'), d('Connector.Action', 'Connector card'), d('Http.Endpoint', 'HTTP Endpoint', '', true)];
  const cards = [card('slack', 'Slack', 'postMessage', 'Post a message'), card('github', 'GitHub', 'createIssue', 'Create an issue')];

  it('offers connector cards after the activities, and finds them by their label or their connector', () => {
    const all = pickItems(descriptors, cards, '', false);
    expect(all.map(i => i.key)).toEqual(['Connector.Action', 'Http.Endpoint', 'Log', 'card:github/createIssue', 'card:slack/postMessage']);
    expect(pickItems(descriptors, cards, 'slack', false).map(i => i.key)).toEqual(['card:slack/postMessage']);
    expect(pickItems(descriptors, cards, 'create', false)[0].key).toBe('card:github/createIssue');
  });

  it('offers no trigger after a handle, and no card where Connector.Action does not exist', () => {
    expect(pickItems(descriptors, cards, '', true).some(i => i.key === 'Http.Endpoint')).toBe(false);
    expect(pickItems([d('Log', 'Log')], cards, '', false).map(i => i.key)).toEqual(['Log']);
  });
});
