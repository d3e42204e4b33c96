// Palette grouping and search over GET /api/activities, pure.
import type { ActivityDescriptor } from '../types';

export interface PaletteGroup {
  category: string;
  items: ActivityDescriptor[];
}

export function matches(d: ActivityDescriptor, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  const text = `${d.type} ${d.displayName} ${d.category} ${d.description}`.toLowerCase();
  return words.every(w => text.includes(w));
}

/** Categories in alphabetical order, items by display name; empty groups are left out. */
export function groupPalette(descriptors: ActivityDescriptor[], query = ''): PaletteGroup[] {
  const groups = new Map<string, ActivityDescriptor[]>();
  for (const d of descriptors) {
    if (!matches(d, query)) continue;
    const category = d.category || 'Other';
    let list = groups.get(category);
    if (!list) groups.set(category, (list = []));
    list.push(d);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([category, items]) => ({ category, items: items.sort((a, b) => (a.displayName || a.type).localeCompare(b.displayName || b.type)) }));
}
