/// <reference types="vite/client" />
// The committed client types are what openapi-typescript makes of the committed OpenAPI document, so neither can be
// edited alone. (That the document is the server's current one is checked by the server's OpenApiDocumentTests.) The
// designer's calls go through the one client typed by them (client.ts), so `tsc` fails on a call the server no longer
// answers; these tests keep it that way.
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import documentText from './openapi.json?raw';
import schemaText from './schema.ts?raw';
import packageText from '../../package.json?raw';

/** The generated text without the banner comment the command line puts first. */
const body = (text: string) => text.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();

/** Every designer source, by path relative to src/. */
const sources = Object.entries(import.meta.glob('../**/*.{ts,tsx}', { query: '?raw', import: 'default', eager: true }) as Record<string, string>)
  .map(([path, text]) => [path.replace(/^\.\.\//, ''), text] as const)
  .filter(([path]) => !/\.test\.tsx?$/.test(path));

/**
 * Modules that send requests without the generated client: sign-in only (/auth is not part of the API document). Every
 * operation is typed in the document, and every area calls it through the generated client; this list only shrinks.
 */
const untypedCallers = ['session.ts'];

describe('generated API client', () => {
  it('is generated from the committed OpenAPI document (npm run generate:api)', async () => {
    const ast = await openapiTS(JSON.parse(documentText), { emptyObjectsUnknown: true, defaultNonNullable: false });
    expect(body(schemaText)).toBe(body(astToString(ast)));
  }, 60_000);

  it('is generated and typed by pinned versions of openapi-typescript and openapi-fetch', () => {
    const pkg = JSON.parse(packageText) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const versions = { ...pkg.dependencies, ...pkg.devDependencies };
    expect(versions['openapi-typescript']).toMatch(/^\d+\.\d+\.\d+$/);
    expect(versions['openapi-fetch']).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('carries every API call of the designer outside the listed modules', () => {
    const callers = sources
      .filter(([, text]) => /\brequest\(getKey|\bfetch\(\s*[`'"][^`'"]*\/api\//.test(text))
      .map(([path]) => path)
      .sort();
    expect(callers.filter(path => !untypedCallers.includes(path))).toEqual([]);
  });
});
