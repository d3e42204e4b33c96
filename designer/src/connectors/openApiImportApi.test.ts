import { afterEach, describe, expect, it, vi } from 'vitest';
import { createOpenApiImportApi, versionStep, type OpenApiChanges } from './openApiImportApi';
import { ImportError } from '../postman/postmanApi';

const changes = (isNew: boolean, previousVersion: string | null, version: string): OpenApiChanges =>
  ({ isNew, previousVersion, version, added: [], removed: [], changed: [], connector: [], kept: [], diff: null, lines: [] });

describe('OpenAPI import client', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('names the version step a re-import takes by the semver rules', () => {
    expect(versionStep(changes(true, null, '1.0.0'))).toBe('new');
    expect(versionStep(changes(false, '1.2.0', '1.2.0'))).toBe('none');
    expect(versionStep(changes(false, '1.2.0', '1.3.0'))).toBe('minor');
    expect(versionStep(changes(false, '1.2.0', '2.0.0'))).toBe('major');
  });

  it('sends the description as text to preview and apply', async () => {
    const fetch = vi.fn(async () => new Response(JSON.stringify({ key: 'k' }), { status: 200 }));
    vi.stubGlobal('fetch', fetch);
    const api = createOpenApiImportApi(() => 'key');
    await api.preview('openapi: 3.1.0', ' ');
    await api.apply('openapi: 3.1.0', 'Shop');
    const calls = fetch.mock.calls as unknown as [string, RequestInit][];
    expect(calls.map(c => c[0])).toEqual(['/api/openapi/preview', '/api/openapi/import']);
    expect(JSON.parse(calls[0][1].body as string)).toEqual({ spec: 'openapi: 3.1.0' });
    expect(JSON.parse(calls[1][1].body as string)).toEqual({ spec: 'openapi: 3.1.0', name: 'Shop' });
  });

  it('turns a refused description into the places the server names', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ detail: 'x', errors: [{ path: '$.servers', message: 'no server' }] }), { status: 422 })));
    const error = await createOpenApiImportApi(() => 'key').preview('openapi: 3.0.0', '').catch(e => e);
    expect(error).toBeInstanceOf(ImportError);
    expect(error.message).toBe('$.servers: no server');
  });
});
