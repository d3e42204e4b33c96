import { describe, expect, it } from 'vitest';
import { filterFlows, flowTags } from './flowList';
import type { FlowSummary } from '../types';

// What the server answers for a flow without a name, publication, connector or draft, overridden by `more`.
const flow = (flowId: string, more: Partial<FlowSummary> = {}): FlowSummary =>
  ({ flowId, name: null, latestVersion: 1, publishedVersion: null, connectorKey: null, updatedAt: '2026-12-03T00:00:00Z', active: true, hasDraft: false, ...more });
const flows = [
  flow('hello', { name: 'Say hello', publishedVersion: 1, active: true }),
  flow('orders-sync', { name: 'Orders', publishedVersion: 3, active: false, hasDraft: true }),
  flow('jira.createIssue', { connectorKey: 'jira', publishedVersion: 1 }),
  flow('scratch', { hasDraft: true }),
];

describe('flow list', () => {
  it('tags a flow with what the server says of it', () => {
    expect(flowTags(flows[1]).map(t => t.text)).toEqual(['v3 live', 'draft', 'inactive']);
    expect(flowTags(flows[3]).map(t => t.text)).toEqual(['not published', 'draft']);
    expect(flowTags(flows[2]).map(t => t.kind)).toContain('connector');
  });

  it('searches id, name and tags with every word', () => {
    expect(filterFlows(flows, 'orders').map(f => f.flowId)).toEqual(['orders-sync']);
    expect(filterFlows(flows, 'say HELLO').map(f => f.flowId)).toEqual(['hello']);
    expect(filterFlows(flows, 'draft').map(f => f.flowId)).toEqual(['orders-sync', 'scratch']);
    expect(filterFlows(flows, 'inactive v3').map(f => f.flowId)).toEqual(['orders-sync']);
  });

  it('filters by tag and puts an exact id first', () => {
    expect(filterFlows(flows, '', 'connector').map(f => f.flowId)).toEqual(['jira.createIssue']);
    expect(filterFlows(flows, '', 'published').map(f => f.flowId)).toEqual(['hello', 'jira.createIssue', 'orders-sync']);
    expect(filterFlows([flow('a-scratch'), flow('scratch')], 'scratch').map(f => f.flowId)).toEqual(['scratch', 'a-scratch']);
  });
});
