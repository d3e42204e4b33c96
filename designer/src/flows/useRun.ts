// Running: test runs of the draft, test steps of one node, instances shown on the canvas, and the expression preview
// against the last run's data (split out of FlowDesigner; behaviour unchanged).
import { useCallback, useRef, useState, type Dispatch, type MutableRefObject } from 'react';
import type { Api } from '../api';
import type { InstanceDetail, Json } from '../types';
import type { PanelTab } from './components/BottomPanel';
import { lastEntries, nodeOutputs } from './nodeData';
import { nodeRuns, parseDuration } from './runView';
import type { Action, State } from './store';

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export function useRun({ api, state, stateRef, dispatch, fail, save, savedDraft, setTab }: {
  api: Api; state: State; stateRef: MutableRefObject<State>; dispatch: Dispatch<Action>; fail: (e: unknown) => void;
  save: (quiet?: boolean) => Promise<boolean>; savedDraft: MutableRefObject<string | undefined>; setTab: (tab: PanelTab) => void;
}) {
  const design = state.design;
  /** Shows an instance on the canvas and in the Run tab: statuses and durations from its journal. */
  const show = (instance: InstanceDetail, journal: Awaited<ReturnType<typeof api.journal>>) =>
    dispatch({ kind: 'run', run: { instance, journal }, runStatus: nodeRuns(journal, instance) });

  const openInstance = async (instanceId: string) => {
    try {
      const [instance, journal] = await Promise.all([api.instance(instanceId), api.journal(instanceId)]);
      show(instance, journal);
      setTab('run');
    } catch (e) { fail(e); }
  };

  /** A retried instance runs again in the background: shown until it ends (or a minute has passed). */
  const followRetry = async (instanceId: string) => {
    try {
      const until = Date.now() + 60_000;
      let instance = await api.instance(instanceId);
      while (instance.status === 'running' && Date.now() < until) {
        await new Promise(resolve => setTimeout(resolve, 300));
        instance = await api.instance(instanceId);
      }
      show(instance, await api.journal(instanceId));
      setTab('run');
    } catch (e) { fail(e); }
  };

  /** The data the last run (and later test steps) left: node id → outputs, pins standing in for their nodes. */
  const runOutputs = () => nodeOutputs(lastEntries(state.run?.journal, state.steps, design.nodes.map(n => n.id)), state.pins);

  // Expression preview: evaluated on the server against the last run's data.
  const previewModel = useRef({ input: {} as Record<string, Json>, vars: {} as Record<string, Json>, nodes: {} as Record<string, Record<string, Json>> });
  previewModel.current = { input: state.lastInputs, vars: (state.run?.instance.variables ?? {}) as Record<string, Json>, nodes: runOutputs() };
  const hasRunData = !!state.run || Object.keys(state.steps).length > 0 || Object.keys(state.pins).length > 0;
  const evaluate = useCallback((expression: { js: string } | { template: string }) => api.evaluate(expression, previewModel.current), [api]);

  /**
   * Test step: the node alone, after the outputs its upstream nodes produced last time (or their pins). When a node
   * it follows has no data yet, the draft is test-run first.
   */
  const [stepping, setStepping] = useState(false);
  const testStep = async (nodeId: string) => {
    setStepping(true);
    try {
      const upstream = design.edges.filter(e => e.target === nodeId).map(e => e.source);
      if (upstream.some(id => !runOutputs()[id])) {
        await run(state.lastInputs, true);
      } else if (savedDraft.current !== `${design.meta.id}@${state.revision}` && !(await save(true))) return; // unchanged since saved: one round trip
      const outputs = nodeOutputsRef.current();
      const result = await api.testStep(design.meta.id, nodeId, outputs, stateRef.current.lastInputs);
      dispatch({
        kind: 'step',
        entry: {
          nodeId, activityType: design.nodes.find(n => n.id === nodeId)?.data.type, startedAt: result.startedAt ?? undefined,
          duration: result.duration ?? undefined, inputs: result.inputs, outputs: result.outputs, outcome: result.outcome, error: result.error,
        },
      });
      const ms = parseDuration(result.duration ?? undefined);
      dispatch({
        kind: 'message', level: result.error ? 'error' : 'success',
        text: `test step ${nodeId}: ${result.error ? `faulted: ${result.error}` : `${result.outcome ?? result.status}${ms !== undefined ? ` in ${Math.round(ms)} ms` : ''}`}`,
      });
    } catch (e) { fail(e); } finally { setStepping(false); }
  };
  const nodeOutputsRef = useRef(runOutputs);
  nodeOutputsRef.current = () => nodeOutputs(lastEntries(stateRef.current.run?.journal, stateRef.current.steps, stateRef.current.design.nodes.map(n => n.id)), stateRef.current.pins);

  /** Test flow: runs the draft (saved first) as a test instance; published versions and triggers stay as they are. */
  const run = async (inputs: Record<string, Json>, quiet = false) => {
    dispatch({ kind: 'lastInputs', inputs });
    if (!(await save(true))) return;
    try {
      const started = await api.runDraft(design.meta.id, inputs);
      setTab('run');
      // A flow that suspends or outlasts the server's wait answers 'running': follow it until it settles.
      let instance = await api.instance(started.instanceId);
      for (let waited = 0; instance.status === 'running' && waited < 60_000; waited += 300) {
        show(instance, await api.journal(started.instanceId).catch(() => []));
        await sleep(300);
        instance = await api.instance(started.instanceId);
      }
      show(instance, await api.journal(started.instanceId).catch(() => []));
      if (quiet) return;
      dispatch({
        kind: 'message', text: `test run ${instance.status}${instance.fault ? `: ${instance.fault.message}` : ''}`,
        level: instance.status === 'finished' ? 'success' : instance.status === 'faulted' ? 'error' : instance.status === 'suspended' ? 'warning' : 'info',
      });
    } catch (e) { fail(e); }
  };


  return { show, openInstance, followRetry, hasRunData, evaluate, stepping, testStep, run };
}
