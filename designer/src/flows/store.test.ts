import { describe, expect, it } from 'vitest';
import type { NodeChange } from '@xyflow/react';
import { emptyDesign, type DesignNode } from './flowJson';
import { HISTORY_LIMIT, hasUnsavedChanges, initialState, reducer, type Action, type State } from './store';

const node = (id: string, x = 0): DesignNode => ({ id, type: 'activity', position: { x, y: 0 }, data: { type: 'Log', inputs: {}, extra: {}, uiExtra: {} } });
const run = (state: State, ...actions: Action[]) => actions.reduce(reducer, state);
const ids = (s: State) => s.design.nodes.map(n => n.id);
const move = (id: string, x: number, dragging: boolean): Action =>
  ({ kind: 'nodesChange', changes: [{ type: 'position', id, position: { x, y: 0 }, dragging } as NodeChange<DesignNode>] });

describe('undo / redo', () => {
  const two = run(initialState, { kind: 'addNode', node: node('a') }, { kind: 'addNode', node: node('b', 300) });

  it('undoes and redoes adds, connects and deletes', () => {
    const connected = run(two, { kind: 'connect', connection: { source: 'a', sourceHandle: 'done', target: 'b', targetHandle: 'in' } });
    const deleted = run(connected, { kind: 'delete', nodeIds: ['b'], edgeIds: [] });
    expect(ids(deleted)).toEqual(['a']);
    expect(deleted.design.edges).toEqual([]);

    const undone = run(deleted, { kind: 'undo' });
    expect(ids(undone)).toEqual(['a', 'b']);
    expect(undone.design.edges.map(e => e.id)).toEqual(['a:done->b']);
    expect(ids(run(undone, { kind: 'undo' }, { kind: 'undo' }))).toEqual(['a']);
    expect(ids(run(undone, { kind: 'redo' }))).toEqual(['a']);
    expect(run(undone, { kind: 'undo' }, { kind: 'redo' }).design.edges).toHaveLength(1);
  });

  it('records a drag as one step at its end, not per pixel', () => {
    const dragged = run(two, move('a', 10, true), move('a', 20, true), move('a', 30, true), move('a', 30, false));
    expect(dragged.past).toHaveLength(two.past.length + 1);
    expect(run(dragged, { kind: 'undo' }).design.nodes[0].position.x).toBe(0);
  });

  it('does not record a click that moved nothing or a selection', () => {
    const clicked = run(two, move('a', 0, false), { kind: 'select', nodeId: 'a' });
    expect(clicked.past).toHaveLength(two.past.length);
  });

  it('coalesces typing into one input into one step', () => {
    const typed = run(two,
      { kind: 'setInput', nodeId: 'a', name: 'message', value: 'h' },
      { kind: 'setInput', nodeId: 'a', name: 'message', value: 'hi' },
      { kind: 'setInput', nodeId: 'b', name: 'message', value: 'x' });
    expect(typed.past).toHaveLength(two.past.length + 2);
    const undone = run(typed, { kind: 'undo' }, { kind: 'undo' });
    expect(undone.design.nodes[0].data.inputs).toEqual({});
  });

  it('clears redo on a new edit, keeps at most HISTORY_LIMIT steps and starts fresh on load', () => {
    const edited = run(two, { kind: 'undo' }, { kind: 'layout' });
    expect(edited.future).toEqual([]);
    let s = two;
    for (let i = 0; i < HISTORY_LIMIT + 20; i++) s = reducer(s, { kind: 'patchNode', nodeId: 'a', patch: i % 2 ? { name: `n${i}` } : { description: `d${i}` } });
    expect(s.past).toHaveLength(HISTORY_LIMIT);
    expect(run(s, { kind: 'load', design: two.design }).past).toEqual([]);
  });

  it('undo and redo with empty stacks change nothing', () => {
    expect(reducer(initialState, { kind: 'undo' })).toBe(initialState);
    expect(reducer(initialState, { kind: 'redo' })).toBe(initialState);
  });

  it('pastes nodes selected, the rest deselected, as one step', () => {
    const pasted = run(two, { kind: 'select', nodeId: 'a' }, { kind: 'paste', nodes: [node('c'), node('d')], edges: [] });
    expect(pasted.design.nodes.filter(n => n.selected).map(n => n.id)).toEqual(['c', 'd']);
    expect(ids(run(pasted, { kind: 'undo' }))).toEqual(['a', 'b']);
  });
});

describe('unsaved changes', () => {
  it('are none after a load, some after an edit, none again once saved, and some after an undo past the save', () => {
    let state = reducer(initialState, { kind: 'load', design: emptyDesign('f') });
    expect(hasUnsavedChanges(state)).toBe(false);
    state = reducer(state, { kind: 'setMeta', name: 'Renamed' });
    expect(hasUnsavedChanges(state)).toBe(true);
    state = reducer(state, { kind: 'saved', revision: state.revision });
    expect(hasUnsavedChanges(state)).toBe(false);
    state = reducer(state, { kind: 'undo' });
    expect(hasUnsavedChanges(state)).toBe(true);
  });

  it('stay when the flow was edited while a save was on its way', () => {
    let state = reducer(initialState, { kind: 'load', design: emptyDesign('f') });
    state = reducer(state, { kind: 'setMeta', name: 'One' });
    const savedAt = state.revision;
    state = reducer(state, { kind: 'setMeta', name: 'Two' });
    state = reducer(state, { kind: 'saved', revision: savedAt });
    expect(hasUnsavedChanges(state)).toBe(true);
  });
});
