import { describe, expect, it } from 'vitest';
import { nodeRoot, pathOf, preview, tableColumns } from './dataPaths';

describe('data paths', () => {
  it('writes the expression a dragged field reads', () => {
    expect(pathOf('nodes.fetch', ['body', 'items'])).toBe('nodes.fetch.body.items');
    expect(pathOf('nodes.fetch', ['body', 'items', 0, 'first-name'])).toBe('nodes.fetch.body.items[0]["first-name"]');
    expect(nodeRoot('fetch')).toBe('nodes.fetch');
    expect(nodeRoot('http.SendRequest1')).toBe('nodes["http.SendRequest1"]');
  });

  it('previews values and finds table columns', () => {
    expect(preview([1, 2, 3])).toBe('[3]');
    expect(preview({ a: 1 })).toBe('{1}');
    expect(preview('x'.repeat(100))).toHaveLength(60);
    expect(tableColumns([{ id: 1, name: 'a' }, { id: 2, extra: true }])).toEqual(['id', 'name', 'extra']);
    expect(tableColumns([1, 2])).toBeNull();
    expect(tableColumns({})).toBeNull();
  });
});
