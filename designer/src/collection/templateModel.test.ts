import { describe, expect, it } from 'vitest';
import { credentialsInUrl, emptyState, relativePath, settingsOf, toTemplateJson } from './templateModel';

describe('template builder model', () => {
  it('makes a cursor template with mapping, filters and activity, and keeps the token out of it', () => {
    const s = {
      ...emptyState(), name: 'People', vendor: 'People API', baseUrl: 'https://people.example', usersUrl: '/api/people', token: 'secret-token',
      pagination: 'cursorLimit' as const, cursorParameter: 'after', cursorPath: 'meta.next', limit: '20', recordsPath: 'people',
      mapping: { id: 'uid', email: 'mail', name: '', department: 'team', status: '', created: '' },
      filters: [{ field: 'kind', operator: 'notEquals' as const, value: 'bot' }, { field: 'active', operator: 'equals' as const, value: 'true' }],
      activityType: 'lastActivity' as const, lastActivityField: 'seen', application: 'People',
    };
    expect(toTemplateJson(s)).toEqual({
      format: 1, name: 'People', vendor: 'People API', baseUrl: 'https://people.example',
      auth: { kind: 'apiKey', header: 'Authorization', tokenType: 'Bearer' }, usersUrl: '/api/people',
      pagination: { kind: 'cursorLimit', cursorParameter: 'after', cursorPath: 'meta.next', limitParameter: 'limit', limit: 20 },
      recordsPath: 'people', mapping: { id: 'uid', email: 'mail', department: 'team' },
      filters: [{ field: 'kind', operator: 'notEquals', value: 'bot' }, { field: 'active', operator: 'equals', value: true }],
      activity: { lastActivityField: 'seen', application: 'People' },
    });
    expect(JSON.stringify(toTemplateJson(s))).not.toContain('secret-token');
    expect(settingsOf(s)).toEqual({ token: 'secret-token' });
  });

  it('makes OAuth 2.0 with credentials in the body and page-number paging that stops on a short page', () => {
    const s = { ...emptyState(), authKind: 'oauth2ClientCredentials' as const, tokenUrl: 'https://a.example/token', credentials: 'body' as const, scope: 'users.read',
      pagination: 'pageNumber' as const, pageSizeParameter: 'size', stopOnShortPage: true, clientId: 'id', clientSecret: 'sec' };
    const t = toTemplateJson(s);
    expect(t.auth).toEqual({ kind: 'oauth2ClientCredentials', tokenUrl: 'https://a.example/token', credentials: 'body', scope: 'users.read' });
    expect(t.pagination).toEqual({ kind: 'pageNumber', pageParameter: 'page', pageSizeParameter: 'size', firstPage: 1, limit: 100, stopOnShortPage: true });
    expect(settingsOf(s)).toEqual({ clientId: 'id', clientSecret: 'sec' });
  });

  it('finds credentials in the users URL and the fixed query, but not paging tokens', () => {
    expect(credentialsInUrl({ ...emptyState(), usersUrl: '/users?api_key=x&pageToken=y', query: 'access_token=z\nfilter=all' })).toEqual(['access_token', 'api_key']);
  });

  it('turns a field picked in the sample into a path relative to the record', () => {
    expect(relativePath(['members', '3', 'profile', 'email'], 'members')).toEqual({ inRecord: true, path: 'profile.email' });
    expect(relativePath(['response_metadata', 'next_cursor'], 'members')).toEqual({ inRecord: false, path: 'response_metadata.next_cursor' });
    expect(relativePath(['0', 'login'], '')).toEqual({ inRecord: true, path: 'login' });
  });
});
