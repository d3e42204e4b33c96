import { afterEach, describe, expect, it, vi } from 'vitest';
import { createPostmanApi, groupActions, ImportError, problemLines, type ImportedAction } from './importApi';
import { createOpenApiImportApi, versionStep, type ImportChanges } from './importApi';

/** What fetch was given: the generated client sends a Request, seen here as the path, the API key header and the body text. */
async function seen(request: Request): Promise<{ url: string; init: RequestInit }> {
  return { url: new URL(request.url).pathname, init: { headers: { 'X-Api-Key': request.headers.get('X-Api-Key') ?? '' }, body: await request.text() } };
}

const action = (id: string, group: string): ImportedAction =>
  ({ id, label: id, group, method: 'GET', path: '/' + id, inputs: [], outputs: ['statusCode'], examples: 0, source: 'item[0]', auth: null });

describe('postman import client', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('groups actions by card group in the order the collection has them', () => {
    const grouped = groupActions([action('a', 'Users'), action('b', 'Groups'), action('c', 'Users'), action('d', '')]);
    expect(grouped.map(([g, list]) => [g, list.map(a => a.id)])).toEqual([['Users', ['a', 'c']], ['Groups', ['b']], ['', ['d']]]);
  });

  it('turns a problem body into path: message lines', () => {
    expect(problemLines({ detail: 'x', errors: [{ path: 'item[2].request.body.mode', message: 'unsupported' }] }))
      .toEqual(['item[2].request.body.mode: unsupported']);
    expect(problemLines({ title: 'Malformed JSON', detail: 'the body is not valid JSON' })).toEqual(['the body is not valid JSON']);
  });

  it('sends the file text and the name with the API key, and reports a refusal with its place', async () => {
    const calls: { url: string; init: RequestInit }[] = [];
    vi.stubGlobal('fetch', async (request: Request) => {
      calls.push(await seen(request));
      return new Response(JSON.stringify({ title: 'Invalid input', errors: [{ path: '$.info.schema', message: 'Postman Collection v1 is not supported' }] }), { status: 422 });
    });
    const api = createPostmanApi(() => 'k-1');

    const error = await api.preview('{"info":{}}', ' Acme ').catch(e => e);

    expect(error).toBeInstanceOf(ImportError);
    expect(error.message).toBe('$.info.schema: Postman Collection v1 is not supported');
    expect(calls[0].url).toBe('/api/postman/preview');
    expect((calls[0].init.headers as Record<string, string>)['X-Api-Key']).toBe('k-1');
    expect(JSON.parse(calls[0].init.body as string)).toEqual({ collection: '{"info":{}}', name: 'Acme' });
  });
});

const changes = (isNew: boolean, previousVersion: string | null, version: string): ImportChanges =>
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
    const sent: [string, RequestInit][] = [];
    const fetch = vi.fn(async (request: Request) => {
      const { url, init } = await seen(request);
      sent.push([url, init]);
      return new Response(JSON.stringify({ key: 'k' }), { status: 200, headers: { 'Content-Type': 'application/json' } });
    });
    vi.stubGlobal('fetch', fetch);
    const api = createOpenApiImportApi(() => 'key');
    await api.preview('openapi: 3.1.0', ' ');
    await api.apply('openapi: 3.1.0', 'Shop');
    const calls = sent;
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
