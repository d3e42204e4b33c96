import { describe, expect, it } from 'vitest';
import { connectionFields, connectionValues, parseOptions, settingsBody, settingsFromManifest } from './settingsModel';
import type { Manifest } from './types';

const servicenow: Manifest = {
  key: 'servicenow', name: 'ServiceNow', version: '1.0.0', accentColor: '#62D84E', baseUrl: 'https://{{connection.instance}}.service-now.com',
  auth: { kind: 'basic', usernameParameter: 'username', passwordParameter: 'password' },
  connectionParameters: [
    { name: 'instance', label: 'Instance name', type: 'text', required: true },
    { name: 'region', label: 'Region', type: 'dropdown', default: 'us', options: [{ label: 'EU', value: 'eu' }, { label: 'US', value: 'us' }] },
    { name: 'password', label: 'Password', type: 'password', required: true },
  ],
};

describe('settings form', () => {
  it('round-trips a manifest, with empty optional fields sent as null so the server removes them', () => {
    const body = settingsBody(settingsFromManifest(servicenow));
    expect(body).toEqual({
      key: 'servicenow', name: 'ServiceNow', version: '1.0.0', description: null, icon: null, accentColor: '#62D84E', documentationUrl: null, supportEmail: null,
      baseUrl: 'https://{{connection.instance}}.service-now.com',
      auth: { kind: 'basic', usernameParameter: 'username', passwordParameter: 'password' },
      connectionParameters: [
        { name: 'instance', label: 'Instance name', type: 'text', required: true },
        { name: 'region', label: 'Region', type: 'dropdown', required: false, default: 'us', options: [{ label: 'EU', value: 'eu' }, { label: 'US', value: 'us' }] },
        { name: 'password', label: 'Password', type: 'password', required: true },
      ],
    });
  });

  it('sends only the chosen auth kind fields', () => {
    const form = settingsFromManifest(servicenow);
    form.authKind = 'custom';
    form.auth = { ...form.auth, flow: '_auth', refreshable: 'true' };
    expect(settingsBody(form).auth).toEqual({ kind: 'custom', flow: '_auth', refreshable: true });
    form.authKind = 'apiKey';
    form.auth = { parameter: 'token', in: 'header', tokenType: '' };
    expect(settingsBody(form).auth).toEqual({ kind: 'apiKey', parameter: 'token', in: 'header' });
  });

  it('reads dropdown options as Label=value lines', () => {
    expect(parseOptions('EU=eu\n us \n\nAsia Pacific = apac')).toEqual([
      { label: 'EU', value: 'eu' }, { label: 'us', value: 'us' }, { label: 'Asia Pacific', value: 'apac' },
    ]);
  });
});

describe('connection form', () => {
  it('is generated from the parameters with passwords masked and never pre-filled', () => {
    const fields = connectionFields(servicenow.connectionParameters!);
    expect(fields.map(f => [f.name, f.control, f.required, f.initial])).toEqual([
      ['instance', 'text', true, ''], ['region', 'select', false, 'us'], ['password', 'password', true, ''],
    ]);
  });

  it('sends filled values and names what is missing', () => {
    const fields = connectionFields(servicenow.connectionParameters!);
    expect(connectionValues(fields, { instance: 'dev1', region: '', password: '' })).toEqual({ values: { instance: 'dev1' }, missing: ['Password'] });
  });
});
