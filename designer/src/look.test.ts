import { describe, expect, it } from 'vitest';
import { categoryLook } from './look';

describe('activity looks', () => {
  it('derive the icon and colour from the category, whatever its case', () => {
    expect(categoryLook('HTTP')).toBe(categoryLook('http'));
    expect(categoryLook('HTTP').color).not.toBe(categoryLook('Script').color);
  });

  it('give an unknown category a generic icon and a colour stable for its name', () => {
    const a = categoryLook('Plugin stuff');
    expect(categoryLook('Plugin stuff').color).toBe(a.color);
    expect(a.icon).toBe(categoryLook(undefined).icon);
  });
});
