import { describe, expect, it } from 'vitest';
import { cardFields, cardPreset, cardValues, dependencyValues, groupCards, isLiteral, withCardValue } from './cardNode';
import type { ConnectorCardInfo } from './types';

const getProject: ConnectorCardInfo = {
  connector: 'acme', connectorName: 'Acme', accentColor: '#3366FF', iconUrl: null, flowId: 'getProject', name: 'Get project',
  inputs: [
    { name: 'project', type: 'string', label: 'Project', required: true },
    { name: 'team', type: 'string', label: 'Team', default: 'red', options: [{ label: 'Red', value: 'red' }] },
    { name: 'limit', type: 'integer', default: 10 },
  ],
  outputs: [{ name: 'id', type: 'string' }],
  card: { kind: 'action', label: 'Get Project', group: 'Projects', options: ['team'], fields: { project: { dropdown: { flow: 'listProjects', dependsOn: ['team'] } } } },
};
const custom: ConnectorCardInfo = { ...getProject, flowId: 'customApiAction', inputs: [], card: { kind: 'action', label: 'Custom API Action', group: 'Custom' } };
const servicenow: ConnectorCardInfo = { ...getProject, connector: 'servicenow', connectorName: 'ServiceNow', flowId: 'createRecord', card: { kind: 'action', label: 'Create Record' } };

describe('connector cards in flows', () => {
  it('adds a card as a Connector.Action node set to that card, with its defaults and no connection yet', () => {
    expect(cardPreset(getProject)).toEqual({
      idBase: 'getProject', name: 'Get Project', inputs: { connector: 'acme', action: 'getProject', inputs: { team: 'red', limit: 10 } },
    });
  });

  it('shows options before inputs', () => {
    expect(cardFields(getProject).map(f => f.name)).toEqual(['team', 'project', 'limit']);
  });

  it('groups cards by connector and finds them by connector, label or group', () => {
    expect(groupCards([servicenow, getProject, custom]).map(g => [g.connectorName, g.cards.map(c => c.flowId)])).toEqual([
      ['Acme', ['customApiAction', 'getProject']], ['ServiceNow', ['createRecord']],
    ]);
    expect(groupCards([servicenow, getProject, custom], 'acme projects').map(g => g.cards.map(c => c.flowId))).toEqual([['getProject']]);
  });

  it('edits the node values and passes a dynamic dropdown the values it depends on', () => {
    const values = cardValues({ connector: 'acme', inputs: { team: 'red' } })!;
    expect(withCardValue(values, 'project', 'p1')).toEqual({ team: 'red', project: 'p1' });
    expect(withCardValue(values, 'team', undefined)).toEqual({});
    expect(dependencyValues(cardFields(getProject)[1], values)).toEqual({ team: 'red' });
    expect(dependencyValues(cardFields(getProject)[1], {})).toEqual({ team: null });
  });

  it('leaves expressions to the generic editor', () => {
    expect(cardValues({ inputs: { js: 'vars.x' } })).toBeNull();
    expect(cardValues({})).toEqual({});
    expect(isLiteral({ template: '{{ input.a }}' })).toBe(false);
    expect(isLiteral({ a: 1 })).toBe(true);
  });
});
