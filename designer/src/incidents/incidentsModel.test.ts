import { describe, expect, it } from 'vitest';
import { ago, pageLabel, queryOf } from './incidentsModel';

describe('incidents list', () => {
  const now = new Date('2026-12-03T10:00:00Z');

  it('builds the query from the filled-in fields only, encoded', () => {
    expect(queryOf({})).toBe('');
    expect(queryOf({ flowId: ' orders ', nodeId: '', q: 'HTTP 500', take: 25 })).toBe('?flowId=orders&q=HTTP%20500&take=25');
    expect(queryOf({ sinceHours: 24, skip: 25 }, now)).toBe('?since=2026-12-02T10%3A00%3A00.000Z&skip=25');
  });

  it('says how long ago an occurrence was', () => {
    expect(ago('2026-12-03T09:59:30Z', now)).toBe('just now');
    expect(ago('2026-12-03T09:55:00Z', now)).toBe('5 min ago');
    expect(ago('2026-12-03T07:00:00Z', now)).toBe('3 h ago');
    expect(ago('2026-12-01T09:00:00Z', now)).toBe('2 d ago');
  });

  it('labels the page', () => {
    expect(pageLabel(0, 0, 0)).toBe('none');
    expect(pageLabel(25, 3, 28)).toBe('26–28 of 28');
  });
});
