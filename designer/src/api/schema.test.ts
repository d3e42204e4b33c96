// The committed client types are what openapi-typescript makes of the committed OpenAPI document, so neither can be
// edited alone. (That the document is the server's current one is checked by the server's OpenApiDocumentTests.)
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import documentText from './openapi.json?raw';
import schemaText from './schema.ts?raw';

/** The generated text without the banner comment the command line puts first. */
const body = (text: string) => text.replace(/^\/\*\*[\s\S]*?\*\/\s*/, '').trim();

describe('generated API client', () => {
  it('is generated from the committed OpenAPI document (npm run generate:api)', async () => {
    const ast = await openapiTS(JSON.parse(documentText), { emptyObjectsUnknown: true });
    expect(body(schemaText)).toBe(body(astToString(ast)));
  }, 60_000);
});
