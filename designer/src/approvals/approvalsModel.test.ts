import { describe, expect, it } from 'vitest';
import { appLabel, neighbours, pageLabel, queryOf, reasonOf, shortDate, statusTone, userLabel } from './approvalsModel';

describe('approvals list', () => {
  it('builds the query from the filled-in fields only, encoded', () => {
    expect(queryOf({})).toBe('');
    expect(queryOf({ status: 'Pending Approval', deviceId: ' 123 ', appId: '', user: 'ada@example.com', skip: 50, take: 25 }))
      .toBe('?status=Pending%20Approval&deviceId=123&user=ada%40example.com&skip=50&take=25');
  });

  it('labels the page and finds its neighbours', () => {
    expect(pageLabel({ skip: 0, total: 0, count: 0 })).toBe('none');
    expect(pageLabel({ skip: 2, total: 9, count: 2 })).toBe('3–4 of 9');
    expect(neighbours({ skip: 0, take: 2, total: 9 })).toEqual({ previous: null, next: 2 });
    expect(neighbours({ skip: 8, take: 2, total: 9 })).toEqual({ previous: 6, next: null });
    expect(neighbours({ skip: 1, take: 2, total: 3 })).toEqual({ previous: 0, next: null });
  });

  it('gives each status a tone', () => {
    expect(statusTone('Pending Approval')).toBe('waiting');
    expect(statusTone('Install Command Dispatched')).toBe('waiting');
    expect(statusTone('Installed')).toBe('good');
    expect(statusTone('Expired')).toBe('ended');
    expect(statusTone('Error')).toBe('failed');
  });

  it('names users and apps as far as the request tells', () => {
    expect(userLabel({ id: '15', userName: 'username', firstName: 'name', lastName: 'user', email: '' })).toBe('name user');
    expect(userLabel({ id: '15', userName: 'username', firstName: null, lastName: null, email: null })).toBe('username');
    expect(userLabel({ id: '15', userName: null, firstName: null, lastName: null, email: null })).toBe('user 15');
    expect(userLabel(null)).toBe('—');
    expect(appLabel({ id: '267', name: 'App Name', packageId: null, version: '9.20.0', platform: 'WinRT' })).toBe('App Name 9.20.0 (WinRT)');
    expect(appLabel({ id: '318', name: null, packageId: null, version: null, platform: null })).toBe('app 318');
  });

  it('says why a request is in Error, and nothing for others', () => {
    expect(reasonOf({ status: 'Error', fault: 'submitting to ServiceNow failed: HTTP 503' })).toBe('submitting to ServiceNow failed: HTTP 503');
    expect(reasonOf({ status: 'Error', fault: null })).toBe('no reason was recorded');
    expect(reasonOf({ status: 'Pending Approval', fault: null })).toBeNull();
  });

  it('shortens dates to minutes in UTC', () => {
    expect(shortDate('2026-11-02T09:00:00Z')).toBe('2026-11-02 09:00');
    expect(shortDate(null)).toBe('—');
  });
});
