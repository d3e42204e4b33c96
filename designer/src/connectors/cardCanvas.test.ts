import { describe, expect, it } from 'vitest';
import { cardBranding, initialOf, setCardBrandings } from './branding';
import { connectorSteps } from './CardCanvas';
import { newActionFlow } from './cardModel';
import { mappedFields } from './CardStepEditor';
import { bumpVersion, versionProblem } from './settingsModel';
import type { ConnectorCardInfo, ConnectorSource } from './types';

const source: ConnectorSource = {
  key: 'acme', installed: true, iconUrl: null,
  manifest: { key: 'acme', name: 'Acme', version: '1.0.0', baseUrl: 'https://api.acme.test', auth: { kind: 'none' }, accentColor: '#D9480F' },
  flows: [
    { format: 1, id: 'httpHelper', inputs: [{ name: 'relative_url', type: 'string', required: true }, { name: 'request_method', type: 'string' }], nodes: [], connections: [] },
    { format: 1, id: '_authping', nodes: [], connections: [] },
    { format: 1, id: 'listProjects', inputs: [{ name: 'team', type: 'string' }], nodes: [], connections: [], card: { kind: 'helper' } },
    { format: 1, id: 'getProject', nodes: [], connections: [], card: { kind: 'action', label: 'Get Project' } },
  ],
};

describe('card canvas', () => {
  it("offers the connector's request through httpHelper and its helper flows, never the flow itself or the standard ones", () => {
    const steps = connectorSteps(source, 'getProject');
    expect(steps.map(s => s.label)).toEqual(['Send HTTP Request', 'Call listProjects']);
    expect(steps[0].preset).toEqual({ idBase: 'sendHttpRequest', name: 'Send HTTP Request', inputs: { flowId: 'httpHelper', inputs: { relative_url: '/', request_method: 'GET' } } });
    expect(connectorSteps(source, 'httpHelper').map(s => s.key)).toEqual(['listProjects']);
  });

  it("maps a call's inputs from the called flow's declarations and Return's from the card's outputs", () => {
    const node = (type: string, inputs: Record<string, unknown>) => ({ id: 'n', type: 'activity', position: { x: 0, y: 0 }, data: { type, inputs, extra: {}, uiExtra: {} } }) as never;
    expect(mappedFields(node('CallFlow', { flowId: 'httpHelper' }), source, [])?.fields.map(f => f.name)).toEqual(['relative_url', 'request_method']);
    expect(mappedFields(node('Return', {}), source, [{ name: 'body', type: 'any' }])).toMatchObject({ input: 'outputs', fields: [{ name: 'body' }] });
    expect(mappedFields(node('CallFlow', { flowId: 'elsewhere' }), source, [])).toBeNull();
    expect(mappedFields(node('If', {}), source, [])).toBeNull();
  });

  it('starts a card without a URL as just its Return, to build on the canvas', () => {
    const flow = newActionFlow('getUser', 'Get User', 'GET', '');
    expect(flow.nodes.map(n => n.type)).toEqual(['Return']);
    expect(flow.outputs).toBeUndefined();
    expect(flow.card).toEqual({ kind: 'action', label: 'Get User' });
  });
});

describe('connector version', () => {
  it('bumps patch, minor and major, and a pre-release to its release', () => {
    expect(bumpVersion('1.2.3', 'patch')).toBe('1.2.4');
    expect(bumpVersion('1.2.3', 'minor')).toBe('1.3.0');
    expect(bumpVersion('1.2.3', 'major')).toBe('2.0.0');
    expect(bumpVersion('1.3.0-beta.1', 'minor')).toBe('1.3.0');
    expect(bumpVersion('1.3.1-beta.1', 'patch')).toBe('1.3.1');
    expect(bumpVersion('nonsense', 'patch')).toBe('1.0.0');
  });

  it('says what is wrong with a version that is not semantic', () => {
    expect(versionProblem('1.0.0')).toBe('');
    expect(versionProblem('1.0.0-rc.1+build.5')).toBe('');
    expect(versionProblem('1.0')).toContain('not a semantic version');
    expect(versionProblem('01.0.0')).toContain('not a semantic version');
  });
});

describe('card branding', () => {
  const card = (connector: string, flowId: string, accentColor: string | null, iconUrl: string | null): ConnectorCardInfo =>
    ({ connector, connectorName: connector.toUpperCase(), accentColor, iconUrl, flowId, name: null, inputs: [], outputs: [], card: { kind: 'action', label: 'Custom API Action' } });

  it("gives a Connector.Action node its connector's icon, colour and card label, and other nodes nothing", () => {
    setCardBrandings([card('alpha', 'customApiAction', '#C92A2A', 'data:image/svg+xml;base64,AA=='), card('bravo', 'customApiAction', '#1864AB', null)]);
    expect(cardBranding({ type: 'Connector.Action', inputs: { connector: 'alpha', action: 'customApiAction' } }))
      .toEqual({ iconUrl: 'data:image/svg+xml;base64,AA==', color: '#C92A2A', label: 'Custom API Action', connectorName: 'ALPHA' });
    expect(cardBranding({ type: 'Connector.Action', inputs: { connector: 'bravo', action: 'gone' } })).toEqual({ iconUrl: undefined, color: '#1864AB', connectorName: 'BRAVO' });
    expect(cardBranding({ type: 'Connector.Action', inputs: { connector: 'unknown', action: 'x' } })).toBeUndefined();
    expect(cardBranding({ type: 'Http.SendRequest', inputs: {} })).toBeUndefined();
    expect(initialOf('bravo')).toBe('B');
    expect(initialOf('')).toBe('?');
  });
});
