// The flow list's tags and search, pure: what the Open… list shows and filters by.
import type { FlowSummary } from '../types';

export type TagKind = 'draft' | 'published' | 'active' | 'inactive' | 'unpublished' | 'connector';
export interface FlowTag { kind: TagKind; text: string }

/** A flow's tags, from what the server says of it. */
export function flowTags(f: FlowSummary): FlowTag[] {
  const tags: FlowTag[] = [];
  if (f.publishedVersion) tags.push({ kind: 'published', text: `v${f.publishedVersion} live` });
  else tags.push({ kind: 'unpublished', text: 'not published' });
  if (f.hasDraft) tags.push({ kind: 'draft', text: 'draft' });
  if (f.publishedVersion && f.active === false) tags.push({ kind: 'inactive', text: 'inactive' });
  if (f.connectorKey) tags.push({ kind: 'connector', text: `card of ${f.connectorKey}` });
  return tags;
}

export type TagFilter = 'all' | 'draft' | 'published' | 'inactive' | 'connector';
export const TAG_FILTERS: { id: TagFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'draft', label: 'Drafts' },
  { id: 'published', label: 'Published' },
  { id: 'inactive', label: 'Inactive' },
  { id: 'connector', label: 'Connector cards' },
];

function hasTag(f: FlowSummary, filter: TagFilter): boolean {
  switch (filter) {
    case 'all': return true;
    case 'draft': return !!f.hasDraft;
    case 'published': return !!f.publishedVersion;
    case 'inactive': return !!f.publishedVersion && f.active === false;
    case 'connector': return !!f.connectorKey;
  }
}

/** Flows matching every word of the query (id, name or tag text) and the tag filter; exact id matches first, then by id. */
export function filterFlows(flows: FlowSummary[], query: string, filter: TagFilter = 'all'): FlowSummary[] {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const q = query.trim().toLowerCase();
  return flows
    .filter(f => hasTag(f, filter))
    .filter(f => {
      const text = `${f.flowId} ${f.name ?? ''} ${flowTags(f).map(t => t.text).join(' ')}`.toLowerCase();
      return words.every(w => text.includes(w));
    })
    .sort((a, b) => Number(b.flowId.toLowerCase() === q) - Number(a.flowId.toLowerCase() === q)
      || Number(b.flowId.toLowerCase().startsWith(q)) - Number(a.flowId.toLowerCase().startsWith(q))
      || a.flowId.localeCompare(b.flowId));
}
