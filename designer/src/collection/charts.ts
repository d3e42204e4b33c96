// Pure geometry for the collected-data charts (plain SVG, no chart library): tested in charts.test.ts.

export interface Bar { label: string; value: number; x: number; y: number; width: number; height: number }

/** Horizontal bars, longest first as given; widths scale to the largest value (at least 1 so zeros draw nothing). */
export function horizontalBars(items: { label: string; value: number }[], width: number, rowHeight: number, labelWidth: number): Bar[] {
  const max = Math.max(1, ...items.map(i => i.value));
  const span = Math.max(0, width - labelWidth - 40);
  return items.map((item, i) => ({
    label: item.label, value: item.value, x: labelWidth, y: i * rowHeight,
    width: Math.round((item.value / max) * span), height: rowHeight - 6,
  }));
}

/** Vertical columns over equal slots, heights scaled to the largest value. */
export function columns(items: { label: string; value: number }[], width: number, height: number): Bar[] {
  const max = Math.max(1, ...items.map(i => i.value));
  const slot = items.length === 0 ? 0 : width / items.length;
  return items.map((item, i) => {
    const h = Math.round((item.value / max) * (height - 20));
    return { label: item.label, value: item.value, x: Math.round(i * slot + slot * 0.15), y: height - 20 - h, width: Math.max(1, Math.round(slot * 0.7)), height: h };
  });
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "2026-11" → "Nov 26". */
export function monthLabel(month: string): string {
  const [year, m] = month.split('-');
  const index = Number(m) - 1;
  return index >= 0 && index < 12 ? `${MONTHS[index]} ${year.slice(2)}` : month;
}

/** Pages of a table: 1-based, at least 1. */
export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / Math.max(1, pageSize)));
}

/** Clicking a column header: the same column flips the direction, another one sorts ascending. */
export function nextSort<T extends string>(current: { sort: T; dir: 'asc' | 'desc' }, clicked: T): { sort: T; dir: 'asc' | 'desc' } {
  return current.sort === clicked ? { sort: clicked, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { sort: clicked, dir: 'asc' };
}
