// The designer's one client of the FlowConnectors REST API, typed by the OpenAPI document: schema.ts is generated from
// openapi.json at build time (npm run generate:api), and openapi-fetch checks every call's path, parameters, body and
// answer against it, so a server change that the designer does not follow fails `tsc`, not a user. Who is signed in is
// handled here once: the session cookie (changes carry the antiforgery token) or the API key of the sign-in menu.
import createClient, { type Client } from 'openapi-fetch';
import { apiKey, csrfToken } from '../session';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type ServerClient = Client<paths>;

/** What a failed request answered: each area words its own error from it. */
export interface RequestFailure { method: string; path: string; status: number; text: string; body: unknown }

/** The client for a server at `base` ('' for the one that serves the designer), sending what `getKey` returns as the API key. */
export function createServerClient(getKey: () => string = apiKey, base = ''): ServerClient {
  // A relative base resolves against the page, as fetch itself would (outside a page, as in unit tests, against localhost).
  const baseUrl = base || (typeof location !== 'undefined' ? location.origin : 'http://localhost');
  const client = createClient<paths>({ baseUrl, fetch: (input: Request) => globalThis.fetch(input) });
  client.use({
    onRequest({ request }) {
      const key = getKey();
      if (key) request.headers.set('X-Api-Key', key);
      const token = csrfToken();
      if (token && request.method !== 'GET' && request.method !== 'HEAD') request.headers.set('X-CSRF-Token', token);
      return request;
    },
    onResponse({ request, response }) {
      // Failures are worded "METHOD /path: status …"; the Response alone does not know its method.
      Object.defineProperty(response, 'requestMethod', { value: request.method });
      return response;
    },
  });
  return client;
}

/** The answer of a typed call, or the area's error for a failed one (its body parsed as JSON when it is JSON). */
export async function answer<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>, fail: (failure: RequestFailure) => Error): Promise<T> {
  const { data, error, response } = await call;
  if (!response.ok) {
    const body = error;
    const text = typeof body === 'string' ? body : JSON.stringify(body ?? '');
    const url = new URL(response.url || 'http://server/');
    throw fail({ method: methodOf(response), path: url.pathname + url.search, status: response.status, text, body });
  }
  return data as T;
}

/** The request method is not on the Response; failures name it from the request when the middleware saw it. */
function methodOf(response: Response): string {
  return (response as Response & { requestMethod?: string }).requestMethod ?? '';
}
