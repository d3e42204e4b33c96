import { describe, expect, it } from 'vitest';
import { columns, horizontalBars, monthLabel, nextSort, pageCount } from './charts';
import { userQueryString } from './collectionApi';

describe('collected-data charts', () => {
  it('scales horizontal bars to the largest value after the label column', () => {
    const bars = horizontalBars([{ label: 'Sales', value: 10 }, { label: 'Legal', value: 5 }, { label: 'None', value: 0 }], 340, 24, 100);
    expect(bars.map(b => b.width)).toEqual([200, 100, 0]);
    expect(bars.map(b => b.y)).toEqual([0, 24, 48]);
    expect(bars[0].x).toBe(100);
  });

  it('spreads columns over equal slots and keeps a zero month at the baseline', () => {
    const cols = columns([{ label: 'a', value: 0 }, { label: 'b', value: 40 }], 200, 120);
    expect(cols[0]).toMatchObject({ x: 15, width: 70, height: 0, y: 100 });
    expect(cols[1]).toMatchObject({ x: 115, height: 100, y: 0 });
  });

  it('labels months, counts pages and flips the sort of the same column', () => {
    expect(monthLabel('2026-11')).toBe('Nov 26');
    expect(pageCount(0, 25)).toBe(1);
    expect(pageCount(51, 25)).toBe(3);
    expect(nextSort({ sort: 'name', dir: 'asc' }, 'name')).toEqual({ sort: 'name', dir: 'desc' });
    expect(nextSort({ sort: 'name', dir: 'desc' }, 'email')).toEqual({ sort: 'email', dir: 'asc' });
  });

  it('leaves empty filters out of the users query', () => {
    expect(userQueryString({ sort: 'email', dir: 'desc', search: '  ', page: 2, pageSize: 25 })).toBe('sort=email&dir=desc&page=2&pageSize=25');
    expect(userQueryString({ sort: 'name', dir: 'asc', search: 'ann', department: 'R&D', page: 1, pageSize: 10 }))
      .toBe('sort=name&dir=asc&page=1&pageSize=10&search=ann&department=R%26D');
  });
});
