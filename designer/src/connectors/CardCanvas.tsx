// A connector flow (action, event, helper, httpHelper, _authping, _revoke) on the same canvas as any flow: the flow
// designer's nodes, inspector, node details (data, test step, pins) and validation, with the connector's own steps
// in the palette (Send HTTP Request through httpHelper, its helper flows) and the card panel beside it. Save writes the
// flow into the connector (deploy-validated); Test runs it as drawn inside the connector with a chosen connection.
import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow,
  type Connection, type EdgeChange, type NodeChange, type NodeTypes,
} from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type DragEvent, type ReactNode } from 'react';
import { createApi } from '../api';
import { ActivityNode } from '../flows/components/ActivityNode';
import { Inspector } from '../flows/components/Inspector';
import { JsonView } from '../components/JsonView';
import { NodeDetails } from '../flows/components/NodeDetails';
import { DRAG_TYPE, Palette } from '../flows/components/Palette';
import { RunForm } from '../flows/components/RunForm';
import { Toast } from '../flows/components/Toast';
import { buildDecorations, DecorationStore } from '../flows/decorationStore';
import { fromFlowJson, newNodeId, toFlowJson, type DesignEdge, type DesignNode } from '../flows/flowJson';
import { lastEntries, nodeOutputs } from '../flows/nodeData';
import { problemsByNode } from '../flows/problems';
import { formatDuration, nodeRuns, parseDuration } from '../flows/runView';
import { notConnectedNodes } from '../flows/starts';
import {
  DecorationStoreContext, DescriptorsContext, hasUnsavedChanges, initialState, PinnedContext, PreviewContext, reducer, StoreContext,
} from '../flows/store';
import type { ActivityDescriptor, InstanceDetail, Json } from '../types';
import { CARD_DRAG_TYPE, type NodePreset } from './cardNode';
import { CardCanvasContext } from './CardStepEditor';
import { createConnectorsApi } from './connectorsApi';
import type { CardTestResult, ConnectionInfo, ConnectorFlowJson, ConnectorSource, FlowParameterJson } from './types';
import { useCan } from '../session';

const nodeTypes: NodeTypes = { activity: ActivityNode };
const FIT = { minZoom: 0.05, maxZoom: 1 };
const CALL_FLOW = 'CallFlow';
const STEP_DRAG = 'application/x-flowconnectors-card-step';

let descriptorsOnce: Promise<ActivityDescriptor[]> | null = null;
function loadDescriptors(): Promise<ActivityDescriptor[]> {
  descriptorsOnce ??= createApi().activities().catch(e => { descriptorsOnce = null; throw e; });
  return descriptorsOnce;
}

/** The connector's own steps: a request through httpHelper, and a call of each helper flow. */
export function connectorSteps(source: ConnectorSource, editing: string): { key: string; label: string; hint: string; preset: NodePreset }[] {
  const steps: { key: string; label: string; hint: string; preset: NodePreset }[] = [];
  if (editing !== 'httpHelper' && source.flows.some(f => f.id === 'httpHelper'))
    steps.push({
      key: 'httpHelper', label: 'Send HTTP Request', hint: "A request to the connection's base URL with the connector's authentication (httpHelper)",
      preset: { idBase: 'sendHttpRequest', name: 'Send HTTP Request', inputs: { flowId: 'httpHelper', inputs: { relative_url: '/', request_method: 'GET' } } },
    });
  for (const f of source.flows)
    if (f.id !== editing && f.id !== 'httpHelper' && !f.id.startsWith('_') && (!f.card || f.card.kind === 'helper'))
      steps.push({ key: f.id, label: `Call ${f.name || f.id}`, hint: `Runs the helper flow ${f.id}`, preset: { idBase: `call${f.id.charAt(0).toUpperCase()}${f.id.slice(1)}`, name: `Call ${f.id}`, inputs: { flowId: f.id, inputs: {} } } });
  return steps;
}

export interface CardCanvasProps {
  source: ConnectorSource;
  flow: ConnectorFlowJson;
  busy: boolean;
  /** The drawn flow with the card panel's declarations and card block: what Save and Test send. */
  compose: (drawn: ConnectorFlowJson) => ConnectorFlowJson;
  onSave: (flow: ConnectorFlowJson) => Promise<boolean>;
  /** The card panel, shown while no node is selected. */
  panel: ReactNode;
  /** Buttons after Save (delete, …). */
  actions?: ReactNode;
  /** True while the card panel has changes the canvas does not know about. */
  panelDirty?: boolean;
  /** The card panel's inputs and outputs: copied into the flow on the canvas, so completion and Return's mapping know them. */
  declarations?: { inputs: FlowParameterJson[]; outputs: FlowParameterJson[] };
}

/** JSON text with object keys sorted: the same declarations compare equal whatever order the server wrote them in. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : v));
}

function Canvas({ source, flow, busy, compose, onSave, panel, actions, panelDirty, declarations }: CardCanvasProps) {
  const [state, dispatch] = useReducer(reducer, initialState);
  const can = useCan();
  const api = useMemo(() => createApi(), []);
  const connectorsApi = useMemo(() => createConnectorsApi(), []);
  const view = useReactFlow();
  const design = state.design;
  const fail = useCallback((e: unknown) => dispatch({ kind: 'message', text: e instanceof Error ? e.message : String(e), error: true }), []);

  useEffect(() => { loadDescriptors().then(descriptors => dispatch({ kind: 'descriptors', descriptors }), fail); }, [fail]);
  useEffect(() => {
    dispatch({ kind: 'load', design: fromFlowJson(flow) });
    setTimeout(() => view.fitView({ ...FIT, duration: 0 }), 50);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- a new flow is a new canvas (the parent keys it by id)
  }, []);

  // The card panel owns the declared inputs and outputs; the canvas's flow follows them.
  const declaredKey = declarations ? stable(declarations) : '';
  useEffect(() => {
    if (!declarations || !state.revision) return;
    const rest = state.design.meta.rest;
    if (stable({ inputs: rest.inputs ?? [], outputs: rest.outputs ?? [] }) === declaredKey) return;
    dispatch({ kind: 'setMeta', rest: { ...rest, inputs: declarations.inputs, outputs: declarations.outputs } });
    // eslint-disable-next-line react-hooks/exhaustive-deps -- follows the panel's declarations only
  }, [declaredKey, state.revision > 0]);

  const composed = useCallback(() => compose(toFlowJson(design) as ConnectorFlowJson), [compose, design]);
  const composedRef = useRef(composed);
  composedRef.current = composed;

  // Live validation of the flow as it will be saved, debounced; an answer for an older version of the flow is dropped.
  const validationKey = JSON.stringify(composed());
  useEffect(() => {
    let current = true;
    const timer = setTimeout(() => {
      api.validate(JSON.parse(validationKey)).then(r => { if (current) dispatch({ kind: 'problems', problems: r.problems }); }, () => undefined);
    }, 400);
    return () => { current = false; clearTimeout(timer); };
  }, [api, validationKey]);

  const descriptorMap = useMemo(() => new Map(state.descriptors.map(d => [d.type, d])), [state.descriptors]);
  const decorationStore = useMemo(() => new DecorationStore(), []);
  const notConnected = useMemo(() => notConnectedNodes(design, descriptorMap), [state.revision, descriptorMap]); // eslint-disable-line react-hooks/exhaustive-deps
  const flowJson = useMemo(() => toFlowJson(design), [state.revision]); // eslint-disable-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    decorationStore.set(buildDecorations(problemsByNode(state.problems, flowJson), state.runStatus, notConnected));
  }, [decorationStore, state.problems, state.runStatus, flowJson, notConnected]);
  const pinnedIds = useMemo(() => new Set(Object.keys(state.pins)), [state.pins]);

  // Connections of this connector: a test runs with one of them.
  const [connections, setConnections] = useState<ConnectionInfo[]>([]);
  const [connectionId, setConnectionId] = useState('');
  useEffect(() => {
    connectorsApi.connections().then(list => {
      const mine = list.filter(c => c.connector === source.key && c.status === 'authorized');
      setConnections(mine);
      setConnectionId(id => id || mine[0]?.id || '');
    }, () => setConnections([]));
  }, [connectorsApi, source.key]);

  const paneRef = useRef<HTMLDivElement>(null);
  const addNode = useCallback((type: string, position?: { x: number; y: number }, preset?: NodePreset) => {
    let at = position;
    if (!at) {
      // Added from the palette: the middle of the visible canvas, moved left of any node already there (steps lead into Return).
      const pane = paneRef.current?.getBoundingClientRect();
      at = view.screenToFlowPosition(pane ? { x: pane.left + pane.width / 2, y: pane.top + pane.height / 2 } : { x: window.innerWidth / 2, y: window.innerHeight / 2 });
      for (let i = 0; i < 20 && design.nodes.some(n => Math.abs(n.position.x - at!.x) < 220 && Math.abs(n.position.y - at!.y) < 90); i++) at = { x: at.x - 260, y: at.y };
      // A card's flow is a few steps: fit the view so the new step is on screen however wide nodes are and
      // however the panels beside the canvas open once it is selected.
      setTimeout(() => view.fitView({ ...FIT, duration: 0 }), 60);
    }
    const node: DesignNode = {
      id: newNodeId(preset?.idBase ?? descriptorMap.get(type)?.displayName ?? type, design.nodes.map(n => n.id)), type: 'activity', position: at,
      data: { type, inputs: preset?.inputs ?? {}, ...(preset ? { name: preset.name } : {}), extra: {}, uiExtra: {} },
    };
    dispatch({ kind: 'addNode', node });
  }, [design.nodes, descriptorMap, view]);

  const onDrop = useCallback((event: DragEvent) => {
    event.preventDefault();
    const step = event.dataTransfer.getData(STEP_DRAG);
    const at = view.screenToFlowPosition({ x: event.clientX, y: event.clientY });
    if (step) { addNode(CALL_FLOW, at, JSON.parse(step) as NodePreset); return; }
    const type = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData('text/plain');
    if (!type || !descriptorMap.has(type)) return;
    const card = event.dataTransfer.getData(CARD_DRAG_TYPE);
    addNode(type, at, card ? JSON.parse(card) as NodePreset : undefined);
  }, [addNode, descriptorMap, view]);

  const save = async (): Promise<boolean> => {
    const revision = state.revision;
    const ids = new Set(design.nodes.map(n => n.id));
    if (!(await onSave(composed()))) return false;
    dispatch({ kind: 'saved', revision });
    // Pins stay in the canvas (never in the connector): drop those of deleted nodes.
    dispatch({ kind: 'pins', pins: Object.fromEntries(Object.entries(state.pins).filter(([id]) => ids.has(id))) });
    return true;
  };

  // --- test runs: the flow as drawn, inside the connector, with the chosen connection --------------
  const [testing, setTesting] = useState(false);
  const [showRunForm, setShowRunForm] = useState(false);
  const [result, setResult] = useState<CardTestResult | null>(null);
  const stateRef = useRef(state);
  stateRef.current = state;
  const runOutputs = () => nodeOutputs(lastEntries(stateRef.current.run?.journal, stateRef.current.steps, stateRef.current.design.nodes.map(n => n.id)), stateRef.current.pins);

  const test = async (inputs: Record<string, Json>, quiet = false): Promise<boolean> => {
    dispatch({ kind: 'lastInputs', inputs });
    setTesting(true);
    try {
      const answer = await connectorsApi.testFlow(source.key, composedRef.current(), connectionId, inputs, stateRef.current.pins);
      const now = new Date().toISOString();
      const instance: InstanceDetail = {
        instanceId: 'card-test', flowId: flow.id, flowVersion: 0, status: answer.status, outputs: answer.outputs ?? {}, variables: {},
        fault: answer.fault ? { nodeId: answer.fault.nodeId ?? null, message: answer.fault.message } : null, waitingFor: [], createdAt: now, updatedAt: now,
      };
      dispatch({ kind: 'run', run: { instance, journal: answer.journal ?? [] }, runStatus: nodeRuns(answer.journal ?? [], instance) });
      setResult(answer);
      if (!quiet)
        dispatch({
          kind: 'message', level: answer.status === 'finished' ? 'success' : answer.status === 'faulted' ? 'error' : 'warning',
          text: `test ${answer.status}${answer.fault ? `: ${answer.fault.message}` : ''}`,
        });
      return true;
    } catch (e) { fail(e); return false; } finally { setTesting(false); }
  };

  const testStep = async (nodeId: string) => {
    setTesting(true);
    try {
      const upstream = design.edges.filter(e => e.target === nodeId).map(e => e.source);
      if (upstream.some(id => !runOutputs()[id]) && !(await test(stateRef.current.lastInputs, true))) return;
      const step = await connectorsApi.testStep(source.key, composedRef.current(), nodeId, connectionId, stateRef.current.lastInputs, runOutputs());
      dispatch({
        kind: 'step',
        entry: {
          nodeId, activityType: design.nodes.find(n => n.id === nodeId)?.data.type, startedAt: step.startedAt ?? undefined,
          duration: step.duration ?? undefined, inputs: step.inputs, outputs: step.outputs, outcome: step.outcome, error: step.error,
        },
      });
      const ms = parseDuration(step.duration ?? undefined);
      dispatch({
        kind: 'message', level: step.error ? 'error' : 'success',
        text: `test step ${nodeId}: ${step.error ? `faulted: ${step.error}` : `${step.outcome ?? step.status}${ms !== undefined ? ` in ${Math.round(ms)} ms` : ''}`}`,
      });
    } catch (e) { fail(e); } finally { setTesting(false); }
  };

  // Expression previews read the last test's data.
  const previewModel = useRef({ input: {} as Record<string, Json>, vars: {} as Record<string, Json>, nodes: {} as Record<string, Record<string, Json>> });
  previewModel.current = { input: state.lastInputs, vars: {}, nodes: runOutputs() };
  const hasRunData = !!state.run || Object.keys(state.steps).length > 0 || Object.keys(state.pins).length > 0;
  const evaluate = useCallback((expression: { js: string } | { template: string }) => api.evaluate(expression, previewModel.current), [api]);

  const selected = design.nodes.filter(n => n.selected);
  const store = useMemo(() => ({ state, dispatch }), [state]);
  const steps = connectorSteps(source, flow.id);
  const unsaved = hasUnsavedChanges(state) || !!panelDirty;
  const errors = state.problems.filter(p => p.severity === 'error');
  const declaredInputs = (composed().inputs ?? []) as unknown;

  return (
    <StoreContext.Provider value={store}>
      <DescriptorsContext.Provider value={descriptorMap}>
        <DecorationStoreContext.Provider value={decorationStore}>
          <PinnedContext.Provider value={pinnedIds}>
            <PreviewContext.Provider value={hasRunData ? evaluate : null}>
              <CardCanvasContext.Provider value={source}>
                <div className="card-canvas" data-testid="card-canvas">
                  <div className="card-canvas-toolbar">
                    <strong className="card-canvas-title">{flow.id}</strong>
                    {unsaved && <span className="unsaved" data-testid="card-unsaved" title="Changes not saved into the connector yet">● unsaved</span>}
                    {can('connectors.write') && <button type="button" className="primary" data-testid="save-card" disabled={busy} onClick={() => void save()}>Save</button>}
                    {actions}
                    <span className="spacer" />
                    <button type="button" onClick={() => dispatch({ kind: 'undo' })} disabled={!state.past.length} title="Undo">↶</button>
                    <button type="button" onClick={() => dispatch({ kind: 'redo' })} disabled={!state.future.length} title="Redo">↷</button>
                    <button type="button" data-testid="card-layout" onClick={() => { dispatch({ kind: 'layout' }); setTimeout(() => view.fitView({ ...FIT, duration: 200 }), 50); }}>Layout</button>
                    <button type="button" onClick={() => view.fitView(FIT)}>Fit</button>
                    <label className="card-connection">Connection
                      <select aria-label="Test connection" data-testid="card-test-connection" value={connectionId} onChange={e => setConnectionId(e.target.value)}>
                        <option value="">(none)</option>
                        {connections.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
                      </select>
                    </label>
                    <button type="button" className="primary" data-testid="card-test-toggle" disabled={testing || !can('connections.use')} onClick={() => setShowRunForm(v => !v)}>
                      {testing ? 'Testing…' : '▶ Test'}
                    </button>
                    <span className={errors.length ? 'validity bad' : 'validity'} data-testid="card-validity">
                      {errors.length} error{errors.length === 1 ? '' : 's'}, {state.problems.length - errors.length} warning{state.problems.length - errors.length === 1 ? '' : 's'}
                    </span>
                  </div>
                  {showRunForm && (
                    <div className="card-run-form" data-testid="card-run-form">
                      {!connectionId && <p className="hint">No connection chosen: requests through httpHelper will fault. Create one on the Connections tab.</p>}
                      <RunForm declared={declaredInputs} onRun={inputs => { setShowRunForm(false); void test(inputs); }} />
                    </div>
                  )}
                  <div className="card-canvas-main">
                    <div className="card-palette-column">
                      <section className="connector-steps" data-testid="connector-steps">
                        <h4>{source.manifest.name}</h4>
                        {steps.map(s => (
                          <div key={s.key} className="palette-item palette-card" draggable data-testid={`step-${s.key}`} title={`${s.hint}\n(drag onto the canvas, or double-click to add)`}
                            style={{ borderLeftColor: source.manifest.accentColor }}
                            onDragStart={e => { e.dataTransfer.setData(STEP_DRAG, JSON.stringify(s.preset)); e.dataTransfer.effectAllowed = 'move'; }}
                            onDoubleClick={() => addNode(CALL_FLOW, undefined, s.preset)}>
                            <span className="palette-card-label">{s.label}</span>
                          </div>
                        ))}
                        {steps.length === 0 && <p className="hint">No helper flows to call.</p>}
                      </section>
                      <Palette descriptors={state.descriptors} onAdd={(type, preset) => addNode(type, undefined, preset)} />
                    </div>
                    <div className="canvas" ref={paneRef} onDragOver={e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop} data-testid="card-canvas-pane">
                      <ReactFlow
                        nodes={design.nodes}
                        edges={design.edges}
                        nodeTypes={nodeTypes}
                        onNodesChange={(changes: NodeChange<DesignNode>[]) => {
                          const kept = changes.filter(c => c.type !== 'remove');
                          if (kept.length) dispatch({ kind: 'nodesChange', changes: kept });
                        }}
                        onEdgesChange={(changes: EdgeChange[]) => {
                          const kept = changes.filter(c => c.type !== 'remove');
                          if (kept.length) dispatch({ kind: 'edgesChange', changes: kept });
                        }}
                        onDelete={({ nodes, edges }: { nodes: DesignNode[]; edges: DesignEdge[] }) =>
                          dispatch({ kind: 'delete', nodeIds: nodes.map(n => n.id), edgeIds: edges.map(e => e.id) })}
                        onConnect={(connection: Connection) => dispatch({ kind: 'connect', connection })}
                        onNodeDoubleClick={(_e, node) => dispatch({ kind: 'details', nodeId: node.id })}
                        deleteKeyCode={['Backspace', 'Delete']}
                        multiSelectionKeyCode={['Meta', 'Control']}
                        selectionKeyCode="Shift"
                        minZoom={FIT.minZoom}
                        fitView
                        fitViewOptions={FIT}
                      >
                        <Background />
                        <Controls />
                        <MiniMap pannable zoomable />
                      </ReactFlow>
                    </div>
                    <div className="card-side">
                      {selected.length === 1 && !state.details ? <Inspector node={selected[0]} /> : <div className="card-panel" data-testid="card-panel">{panel}</div>}
                    </div>
                  </div>
                  {(result || state.problems.length > 0) && (
                    <div className="card-results" data-testid="card-results">
                      {result && (
                        <section>
                          <h5>Test <span className={`run-status-${result.status}`} data-testid="card-test-status">{result.status}</span>
                            {state.run?.journal.length ? <span className="hint"> {state.run.journal.filter(e => !e.nodeId.includes('/')).map(e => `${e.nodeId} ${formatDuration(parseDuration(e.duration))}`).join(' · ')}</span> : null}</h5>
                          {result.fault && <p className="error" data-testid="card-test-fault">{result.fault.nodeId ? `${result.fault.nodeId}: ` : ''}{result.fault.message}</p>}
                          {result.outputs && Object.keys(result.outputs).length > 0 && <JsonView value={result.outputs} root="outputs" testId="card-test-outputs" />}
                        </section>
                      )}
                      {state.problems.length > 0 && (
                        <section>
                          <h5>Problems</h5>
                          <ul className="card-problems-list">
                            {state.problems.map((p, i) => (
                              <li key={i} className={p.severity === 'error' ? 'error' : 'warning'} onClick={() => p.nodeId && dispatch({ kind: 'select', nodeId: p.nodeId })}>
                                {p.nodeId && <code>{p.nodeId}</code>} {p.message}
                              </li>
                            ))}
                          </ul>
                        </section>
                      )}
                    </div>
                  )}
                  {state.details && design.nodes.some(n => n.id === state.details) && (
                    <NodeDetails node={design.nodes.find(n => n.id === state.details)!} busy={testing}
                      onClose={() => dispatch({ kind: 'details', nodeId: undefined })} onTestStep={id => void testStep(id)} />
                  )}
                  <Toast />
                </div>
              </CardCanvasContext.Provider>
            </PreviewContext.Provider>
          </PinnedContext.Provider>
        </DecorationStoreContext.Provider>
      </DescriptorsContext.Provider>
    </StoreContext.Provider>
  );
}

export function CardCanvas(props: CardCanvasProps) {
  return (
    <ReactFlowProvider>
      <Canvas {...props} />
    </ReactFlowProvider>
  );
}
