// Which nodes would start the flow without anyone meaning them to, pure: the designer marks them "not connected".
import { TARGET_HANDLE, type Design } from './flowJson';
import type { ActivityDescriptor } from '../types';

/**
 * Without an explicit `start`, every node with no incoming connection starts the flow. A trigger is meant to; a plain
 * node is "not connected" when a trigger starts the flow, or when another start node lies further left (the one
 * the author began with, e.g. after deleting the connection into the second step).
 */
export function notConnectedNodes(design: Design, descriptors: ReadonlyMap<string, ActivityDescriptor>): Set<string> {
  const result = new Set<string>();
  if (typeof design.meta.rest.start === 'string' || design.nodes.length < 2) return result;
  const hasIncoming = new Set(design.edges.filter(e => (e.targetHandle ?? TARGET_HANDLE) === TARGET_HANDLE).map(e => e.target));
  const starts = design.nodes.filter(n => !hasIncoming.has(n.id));
  if (starts.length < 2) return result;
  const isTrigger = (type: string) => !!descriptors.get(type)?.trigger;
  const triggered = starts.some(n => isTrigger(n.data.type));
  const first = [...starts].sort((a, b) => a.position.x - b.position.x || a.position.y - b.position.y)[0];
  for (const n of starts) {
    if (isTrigger(n.data.type)) continue;
    if (triggered || n.id !== first.id) result.add(n.id);
  }
  return result;
}
