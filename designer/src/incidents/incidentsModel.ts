// What the Incidents view computes: the query from the filter, the age of an occurrence, the page's label.
import type { IncidentFilter } from './incidentsApi';

/** The query string of the filled-in fields only, encoded; `since` is a number of hours back from `now`. */
export function queryOf(filter: IncidentFilter & { sinceHours?: number }, now: Date = new Date()): string {
  const parts: string[] = [];
  const add = (name: string, value: string | number | undefined) => {
    if (value === undefined) return;
    const text = String(value).trim();
    if (text !== '') parts.push(`${name}=${encodeURIComponent(text)}`);
  };
  add('flowId', filter.flowId);
  add('nodeId', filter.nodeId);
  add('q', filter.q);
  if (filter.sinceHours !== undefined && filter.sinceHours > 0)
    add('since', new Date(now.getTime() - filter.sinceHours * 3_600_000).toISOString());
  else add('since', filter.since);
  add('skip', filter.skip || undefined);
  add('take', filter.take);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** "just now", "5 min ago", "3 h ago", "2 d ago". */
export function ago(iso: string, now: Date = new Date()): string {
  const seconds = Math.max(0, (now.getTime() - new Date(iso).getTime()) / 1000);
  if (seconds < 60) return 'just now';
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return `${Math.floor(seconds / 86_400)} d ago`;
}

export function pageLabel(skip: number, count: number, total: number): string {
  return count === 0 ? 'none' : `${skip + 1}–${skip + count} of ${total}`;
}
