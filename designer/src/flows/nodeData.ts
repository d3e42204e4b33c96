// What the node details and the expression preview show, pure: each node's last journal entry (from the last run,
// replaced by a later test step), pinned outputs standing in for a node's own.
import type { JournalEntry, Json, Pin } from '../types';

/** The last entry of each node of this flow (child-flow entries, whose ids carry a prefix, are left out). */
export function lastEntries(journal: JournalEntry[] | undefined, steps: Record<string, JournalEntry>, nodeIds: Iterable<string>): Map<string, JournalEntry> {
  const ids = new Set(nodeIds);
  const result = new Map<string, JournalEntry>();
  for (const entry of journal ?? []) if (ids.has(entry.nodeId)) result.set(entry.nodeId, entry);
  for (const [id, entry] of Object.entries(steps)) if (ids.has(id)) result.set(id, entry);
  return result;
}

/** node id → outputs, as `nodes.<id>` reads them: a pin wins over the last run. */
export function nodeOutputs(entries: Map<string, JournalEntry>, pins: Record<string, Pin>): Record<string, Record<string, Json>> {
  const result: Record<string, Record<string, Json>> = {};
  for (const [id, entry] of entries) if (entry.outputs) result[id] = entry.outputs as Record<string, Json>;
  for (const [id, pin] of Object.entries(pins)) result[id] = pin.outputs;
  return result;
}
