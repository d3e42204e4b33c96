import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow,
  type Connection, type EdgeChange, type EdgeTypes, type FinalConnectionState, type NodeChange, type NodeTypes,
} from '@xyflow/react';
import { Map as MapIcon, Plus } from 'lucide-react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react';
import { ApiError, createApi } from './api';
import { may, useSession } from './session';
import { SignInPrompt } from './access/SignInPrompt';
import { ActivityNode, nodeOutcomes } from './components/ActivityNode';
import { OutcomeEdge } from './components/OutcomeEdge';
import { NodePicker, type PickerRequest } from './components/NodePicker';
import { Button, IconButton } from './components/ui';
import { elkLayout } from './layout';
import { BottomPanel, type PanelTab } from './components/BottomPanel';
import { ImportDialog, type PendingImport } from './components/ImportDialog';
import { Inspector } from './components/Inspector';
import { DRAG_TYPE, Palette } from './components/Palette';
import { Toolbar, type Panels } from './components/Toolbar';
import { clipText, copySelection, parseClipboard, pasteClip, type Clip } from './clipboard';
import { CARD_DRAG_TYPE, type NodePreset } from './connectors/cardNode';
import { emptyDesign, freshFlowId, fromFlowJson, newNodeId, toFlowJson, type DesignEdge, type DesignNode } from './flowJson';
import { buildDecorations, DecorationStore } from './decorationStore';
import { problemsByNode } from './problems';
import { nodeRuns } from './runView';
import { DecorationStoreContext, DescriptorsContext, hasUnsavedChanges, initialState, PinnedContext, PreviewContext, reducer, StoreContext } from './store';
import { NodeDetails } from './components/NodeDetails';
import { lastEntries, nodeOutputs } from './nodeData';
import { parseDuration } from './runView';
import { Toast, OfflineBanner } from './components/Toast';
import { notConnectedNodes } from './starts';
import type { FlowJson, InstanceDetail, Json, Pin } from './types';

/** Lets a 25-node row (and a 500-node flow) fit the canvas; React Flow's default stops at 0.5. */
export const MIN_ZOOM = 0.05;
/** Fit view: everything on screen, but a small flow is not blown up past its natural size. */
const FIT = { minZoom: MIN_ZOOM, maxZoom: 1 };

/** How long a paste waits for the system clipboard before using the designer's own. */
const CLIPBOARD_WAIT_MS = 500;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

const nodeTypes: NodeTypes = { activity: ActivityNode };
const edgeTypes: EdgeTypes = { default: OutcomeEdge };

const PANELS_STORAGE = 'flowconnectors.panels';
const DEFAULT_PANELS: Panels = { palette: true, inspector: true, bottom: true, minimap: true };
function storedPanels(): Panels {
  try { return { ...DEFAULT_PANELS, ...(JSON.parse(localStorage.getItem(PANELS_STORAGE) ?? '{}') as Partial<Panels>) }; } catch { return DEFAULT_PANELS; }
}

function Designer() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const api = useMemo(() => createApi(), []);
  // Signed in through the sign-in menu (the printed link, a password, a provider or an API key): session.ts.
  const session = useSession();
  const ready = session.signedIn;
  const flow = useReactFlow();
  const design = state.design;

  const fail = useCallback((e: unknown) => dispatch({ kind: 'message', text: e instanceof Error ? e.message : String(e), error: true }), []);

  useEffect(() => {
    if (!ready) return;
    api.activities().then(descriptors => dispatch({ kind: 'descriptors', descriptors }), fail);
  }, [api, ready, session.user?.id, fail]);

  // Live validation, debounced.
  const flowJson = useMemo(() => toFlowJson(design), [state.revision]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!ready) return;
    const timer = setTimeout(() => {
      api.validate(flowJson).then(r => dispatch({ kind: 'problems', problems: r.problems }), fail);
    }, 400);
    return () => clearTimeout(timer);
  }, [api, ready, flowJson, fail]);

  const descriptorMap = useMemo(() => new Map(state.descriptors.map(d => [d.type, d])), [state.descriptors]);
  // Nodes read their problems and run status from here, each re-rendering only when its own changes.
  const decorationStore = useMemo(() => new DecorationStore(), []);
  const notConnected = useMemo(() => notConnectedNodes(design, descriptorMap), [state.revision, descriptorMap]); // eslint-disable-line react-hooks/exhaustive-deps
  useLayoutEffect(() => {
    decorationStore.set(buildDecorations(problemsByNode(state.problems, flowJson), state.runStatus, notConnected));
  }, [decorationStore, state.problems, state.runStatus, flowJson, notConnected]);
  const pinnedIds = useMemo(() => new Set(Object.keys(state.pins)), [state.pins]);
  const hasTriggers = design.nodes.some(n => descriptorMap.get(n.data.type)?.trigger);

  // While the server cannot be reached a banner says so (instead of "Failed to fetch" beside a green "0 errors").
  useEffect(() => {
    let stopped = false;
    const check = async () => {
      const ok = await api.reachable();
      if (!stopped) dispatch({ kind: 'offline', offline: !ok });
    };
    const timer = setInterval(() => void check(), 3000);
    void check();
    return () => { stopped = true; clearInterval(timer); };
  }, [api]);

  const addNode = useCallback((type: string, position?: { x: number; y: number }, preset?: NodePreset, from?: PickerRequest['from']) => {
    const at = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
    const node: DesignNode = {
      id: newNodeId(preset?.idBase ?? descriptorMap.get(type)?.displayName ?? type, design.nodes.map(n => n.id)), type: 'activity', position: at,
      data: { type, inputs: preset?.inputs ?? {}, ...(preset ? { name: preset.name } : {}), extra: {}, uiExtra: {} },
    };
    dispatch({ kind: 'addNode', node, from });
    return node.id;
  }, [design.nodes, descriptorMap, flow]);

  const [panels, setPanelsState] = useState<Panels>(storedPanels);
  const setPanels = (next: Panels) => { localStorage.setItem(PANELS_STORAGE, JSON.stringify(next)); setPanelsState(next); };

  // The node picker: Tab, a connection dropped on empty canvas, or "Add first step".
  const [picker, setPicker] = useState<PickerRequest>();
  const canvasRef = useRef<HTMLDivElement>(null);
  const openPicker = useCallback((afterId?: string) => {
    const current = designRef.current;
    const selectedNodes = afterId ? current.nodes.filter(n => n.id === afterId) : current.nodes.filter(n => n.selected);
    const box = canvasRef.current?.getBoundingClientRect();
    if (selectedNodes.length === 1) {
      const n = selectedNodes[0];
      const descriptor = descriptorsRef.current.get(n.data.type);
      // The first outcome that is not an error: done, 2xx, true…
      const outcome = nodeOutcomes(descriptor, n.data.inputs).find(o => o !== 'fault' && !(descriptor?.errorOutcomes ?? []).includes(o)) ?? 'done';
      const position = { x: n.position.x + (n.measured?.width ?? 200) + 110, y: n.position.y };
      setPicker({ position, screen: flow.flowToScreenPosition(position), from: { nodeId: n.id, outcome } });
      return;
    }
    const screen = box ? { x: box.left + box.width / 2 - 150, y: box.top + box.height / 3 } : { x: 300, y: 200 };
    setPicker({ screen, position: flow.screenToFlowPosition({ x: screen.x, y: screen.y + 40 }) });
  }, [flow]);
  const onConnectEnd = useCallback((event: MouseEvent | TouchEvent, connection: FinalConnectionState) => {
    // Dropped on empty canvas (not on a handle or a node): pick the step to add there, connected from that handle.
    if (connection.isValid || !connection.fromNode || connection.fromHandle?.type !== 'source') return;
    const target = event.target as Element | null;
    if (!target?.closest('.react-flow') || target.closest('.react-flow__node, .react-flow__handle, .react-flow__controls, .react-flow__minimap')) return;
    const point = 'changedTouches' in event ? event.changedTouches[0] : event;
    const screen = { x: point.clientX, y: point.clientY };
    setPicker({ screen, position: flow.screenToFlowPosition({ x: screen.x, y: screen.y - 28 }), from: { nodeId: connection.fromNode.id, outcome: connection.fromHandle.id ?? 'done' } });
  }, [flow]);
  const descriptorsRef = useRef(descriptorMap);
  descriptorsRef.current = descriptorMap;
  const openPickerRef = useRef(openPicker);
  openPickerRef.current = openPicker;

  /** Layered layout (elkjs) with each node's outcome ports in order; recorded as an edit unless the flow came without positions. */
  const layOut = useCallback(async (record: boolean) => {
    const current = designRef.current;
    const laid = await elkLayout(current, n => nodeOutcomes(descriptorsRef.current.get(n.data.type), n.data.inputs));
    if (designRef.current.nodes !== current.nodes && !record) return; // edited meanwhile: keep the edit
    dispatch({ kind: 'positions', positions: Object.fromEntries(laid.nodes.map(n => [n.id, n.position])), record });
    setTimeout(() => flow.fitView({ ...FIT, duration: record ? 200 : 0 }), 50);
  }, [flow]);

  const onDrop = useCallback((event: DragEvent) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData('text/plain');
    if (!type || !descriptorMap.has(type)) return;
    const card = event.dataTransfer.getData(CARD_DRAG_TYPE); // a connector card: a preconfigured Connector.Action
    addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }), card ? JSON.parse(card) as NodePreset : undefined);
  }, [addNode, descriptorMap, flow]);

  const [tab, setTab] = useState<PanelTab>('problems');
  const [pendingImport, setPendingImport] = useState<PendingImport>();

  const load = (f: FlowJson, version?: number, pins?: Record<string, Pin>) => {
    dispatch({ kind: 'load', design: fromFlowJson(f), version, pins });
    setTimeout(() => flow.fitView({ ...FIT, duration: 0 }), 50);
    // A flow without positions (hand-written, generated) is laid out in layers once it has been measured.
    if (f.nodes.length > 0 && !f.nodes.some(n => typeof n.ui?.x === 'number' && typeof n.ui?.y === 'number'))
      setTimeout(() => void layOut(false).catch(fail), 60);
    // The Active switch shows the stored flow's state (undefined: never published).
    api.listFlows().then(list => {
      const summary = list.find(x => x.flowId === f.id);
      dispatch({ kind: 'active', active: summary?.publishedVersion ? summary.active ?? true : undefined });
    }, () => dispatch({ kind: 'active', active: undefined }));
  };

  /** Opens a stored flow: its draft when it has one (unpublished edits), else its latest version. */
  const openFlow = async (id: string) => {
    const draft = await api.getDraft(id);
    if (draft) {
      load(draft.flow, undefined, draft.pins);
      dispatch({ kind: 'message', text: `opened the draft of ${id} (unpublished changes)`, level: 'info' });
    } else load(await api.getFlow(id));
  };

  /** True when nothing unsaved would be lost, or the user agrees to lose it. */
  const mayReplaceCanvas = () =>
    !hasUnsavedChanges(state) || window.confirm(`Discard the unsaved changes to ${design.meta.id}?`);

  // Leaving the page with unsaved changes asks first, as opening another flow does.
  const unsavedRef = useRef(false);
  unsavedRef.current = hasUnsavedChanges(state);
  useEffect(() => {
    const onBeforeUnload = (e: BeforeUnloadEvent) => { if (unsavedRef.current) e.preventDefault(); };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, []);

  /** The flow id and revision the server's draft holds, as this page last saved it (a test step of it needs no save). */
  const savedDraft = useRef<string | undefined>(undefined);
  /** Saves the draft (Save, Ctrl/Cmd+S, and before a test run or Publish): nothing goes live. */
  const save = async (quiet = false): Promise<boolean> => {
    const revision = state.revision;
    try {
      const ids = new Set(design.nodes.map(n => n.id));
      const pins = Object.fromEntries(Object.entries(state.pins).filter(([id]) => ids.has(id)));
      await api.saveDraft(toFlowJson(design), pins);
      savedDraft.current = `${design.meta.id}@${revision}`;
      dispatch({ kind: 'saved', revision });
      if (!quiet) dispatch({ kind: 'message', text: `saved the draft of ${design.meta.id} (Publish makes it live)` });
      dispatch({ kind: 'viewing', version: undefined });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) dispatch({ kind: 'problems', problems: e.problems.map(p => ({ ...p, severity: p.severity ?? 'error' })) });
      fail(e);
      return false;
    }
  };

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

  /** Publish: the draft becomes the newest version and the live one. */
  const publish = async () => {
    if (!(await save(true))) return;
    try {
      const result = await api.publishDraft(design.meta.id);
      dispatch({ kind: 'active', active: result.active });
      dispatch({ kind: 'message', text: `published ${result.flowId} version ${result.version}` });
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) dispatch({ kind: 'problems', problems: e.problems.map(p => ({ ...p, severity: p.severity ?? 'error' })) });
      fail(e);
    }
  };

  const setActive = async (active: boolean) => {
    try {
      await api.setActive(design.meta.id, active);
      dispatch({ kind: 'active', active });
      dispatch({ kind: 'message', text: `${design.meta.id} is ${active ? 'active: its triggers run' : 'inactive: its triggers do not run'}`, level: active ? 'success' : 'warning' });
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
  const stateRef = useRef(state);
  stateRef.current = state;
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

  const download = (text: string, name: string) => {
    const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  };

  // Export is the server's canonical text of the flow as drawn (FlowJson.Save: what the CLI writes), saved or not.
  const exportFlow = async () => {
    try {
      download(await api.formatFlow(toFlowJson(design)), `${design.meta.id}.flow.json`);
      dispatch({ kind: 'message', text: `exported ${design.meta.id}.flow.json` });
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) dispatch({ kind: 'problems', problems: e.problems.map(p => ({ ...p, severity: p.severity ?? 'error' })) });
      fail(e);
    }
  };

  const importFlow = async (file: File) => {
    if (!mayReplaceCanvas()) return;
    let parsed: FlowJson;
    try {
      parsed = JSON.parse(await file.text()) as FlowJson;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || typeof parsed.id !== 'string' || !Array.isArray(parsed.nodes))
        throw new Error('expected an object with an "id" and "nodes"');
    } catch (e) { fail(`${file.name} is not flow JSON: ${(e as Error).message}`); return; }
    try {
      const existing = (await api.listFlows()).map(f => f.flowId);
      if (existing.includes(parsed.id)) setPendingImport({ fileName: file.name, flow: parsed, newId: freshFlowId(parsed.id, existing) });
      else await storeImport(file.name, parsed);
    } catch (e) { fail(e); }
  };

  /** Loads the imported flow and saves it as a new version (of a new flow, or of the flow it replaces). */
  const storeImport = async (fileName: string, imported: FlowJson) => {
    setPendingImport(undefined);
    load(imported);
    try {
      const result = await api.saveFlow(toFlowJson(fromFlowJson(imported)), true);
      dispatch({ kind: 'message', text: `imported ${fileName} as ${result.flowId} version ${result.version}` });
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) dispatch({ kind: 'problems', problems: e.problems.map(p => ({ ...p, severity: p.severity ?? 'error' })) });
      fail(`imported ${fileName} into the designer but did not save it: ${e instanceof Error ? e.message : String(e)}`);
    }
  };

  const viewVersion = async (version: number) => {
    if (!mayReplaceCanvas()) return;
    try { load(await api.getFlowVersion(design.meta.id, version), version); dispatch({ kind: 'message', text: `viewing ${design.meta.id} version ${version}` }); } catch (e) { fail(e); }
  };

  const restoreVersion = async (version: number) => {
    if (!mayReplaceCanvas()) return;
    try {
      const old = await api.getFlowVersion(design.meta.id, version);
      const result = await api.saveFlow(old, false);
      load(old);
      dispatch({ kind: 'message', text: `restored version ${version} as version ${result.version}` });
    } catch (e) { fail(e); }
  };

  const publishVersion = async (version: number) => {
    try { await api.publishVersion(design.meta.id, version); dispatch({ kind: 'message', text: `published ${design.meta.id} version ${version}` }); } catch (e) { fail(e); }
  };

  const selectNode = (id: string) => {
    dispatch({ kind: 'select', nodeId: id });
    const node = design.nodes.find(n => n.id === id);
    if (node) flow.setCenter(node.position.x + 90, node.position.y + 30, { zoom: flow.getZoom(), duration: 200 });
  };

  // Undo/redo and copy/paste shortcuts, on the document, except while typing in a field.
  const clipboard = useRef<Clip | null>(null);
  /** The text this tab last put on the system clipboard: pasting it again uses the designer's own clip (which moves on). */
  const written = useRef<string | null>(null);
  const designRef = useRef(design);
  designRef.current = design;
  const loadRef = useRef(load);
  loadRef.current = load;

  /** Ctrl/Cmd+V: flow JSON on the system clipboard (another tab's nodes, or a whole flow), else the designer's own clip. */
  const pasteFromClipboard = async () => {
    const text = await Promise.race([
      navigator.clipboard?.readText().catch(() => null) ?? Promise.resolve(null),
      sleep(CLIPBOARD_WAIT_MS).then(() => null),
    ]);
    const current = designRef.current;
    const content = text && text !== written.current ? parseClipboard(text) : null;
    if (content?.kind === 'flow' && current.nodes.length === 0) {
      loadRef.current(content.flow);
      dispatch({ kind: 'message', text: `pasted flow ${content.flow.id}` });
      return;
    }
    const external = content?.kind === 'flow' ? parseClipboard(JSON.stringify({ nodes: content.flow.nodes, connections: content.flow.connections })) : content;
    if (external?.kind === 'clip') {
      const pasted = pasteClip(external.clip, current.nodes.map(n => n.id), 0, true);
      dispatch({ kind: 'paste', nodes: pasted.nodes, edges: pasted.edges });
      dispatch({ kind: 'message', text: `pasted ${pasted.nodes.length} node(s) from the clipboard` });
      return;
    }
    if (!clipboard.current) return;
    const pasted = pasteClip(clipboard.current, current.nodes.map(n => n.id));
    clipboard.current = pasted; // the next paste lands another 40 px further
    dispatch({ kind: 'paste', nodes: pasted.nodes, edges: pasted.edges });
  };
  const pasteRef = useRef(pasteFromClipboard);
  pasteRef.current = pasteFromClipboard;
  const saveRef = useRef(() => save());
  saveRef.current = () => save();
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // An editor that used Escape (closing its completion list) keeps everything else open.
      if (e.key === 'Escape' && e.defaultPrevented) return;
      if (e.key === 'Escape') { dispatch({ kind: 'flows', flows: undefined }); dispatch({ kind: 'dismiss' }); dispatch({ kind: 'details', nodeId: undefined }); setPicker(undefined); return; }
      const typing = (t: EventTarget | null) => {
        const el = t as HTMLElement | null;
        return !!el && (el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName));
      };
      // Tab on the canvas (not in a field, not moving through the toolbar) opens the node picker.
      if (e.key === 'Tab' && !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey && appRef.current?.offsetParent !== null) {
        const el = e.target as HTMLElement | null;
        if (!typing(el) && (el === document.body || el?.closest('.react-flow')) && !stateRef.current.details) {
          e.preventDefault();
          openPickerRef.current();
        }
        return;
      }
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const key = e.key.toLowerCase();
      // Save works everywhere, also while typing in a field.
      if (key === 's') { e.preventDefault(); void saveRef.current(); return; }
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      const current = designRef.current;
      if (key === 'z' && !e.shiftKey) dispatch({ kind: 'undo' });
      else if ((key === 'z' && e.shiftKey) || key === 'y') dispatch({ kind: 'redo' });
      else if (key === 'c') {
        if (window.getSelection()?.toString()) return; // copying page text (problems, outputs), not nodes
        const clip = copySelection(current);
        if (!clip) return;
        clipboard.current = clip;
        written.current = clipText(clip, current.meta);
        navigator.clipboard?.writeText(written.current).catch(() => undefined);
      } else if (key === 'v') {
        void pasteRef.current();
      } else if (key === 'a') {
        dispatch({ kind: 'selectAll' });
      } else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const selected = design.nodes.filter(n => n.selected);
  const appRef = useRef<HTMLDivElement>(null);
  const store = useMemo(() => ({ state, dispatch }), [state]);

  return (
    <StoreContext.Provider value={store}>
      <DescriptorsContext.Provider value={descriptorMap}>
        <DecorationStoreContext.Provider value={decorationStore}>
         <PinnedContext.Provider value={pinnedIds}>
         <PreviewContext.Provider value={hasRunData ? evaluate : null}>
          <div className={`app${panels.bottom ? '' : ' no-bottom'}`} ref={appRef}>
            {state.offline && <OfflineBanner />}
            <Toolbar
              canPublish={!ready || may(session, 'flows.publish')}
              onNew={() => { if (mayReplaceCanvas()) load(toFlowJson(emptyDesign(`flow-${Date.now().toString(36)}`))); }}
              onOpenList={() => api.listFlows().then(flows => dispatch({ kind: 'flows', flows }), fail)}
              onOpen={id => { if (mayReplaceCanvas()) openFlow(id).then(() => dispatch({ kind: 'flows', flows: undefined }), fail); }}
              onSave={() => void save()}
              onPublish={() => void publish()}
              hasTriggers={hasTriggers}
              onActive={active => void setActive(active)}
              onRun={inputs => void run(inputs)}
              onExport={() => void exportFlow()}
              onImport={file => void importFlow(file)}
              onFitView={() => flow.fitView(FIT)}
              onLayout={() => void layOut(true).catch(fail)}
              onCloseList={() => dispatch({ kind: 'flows', flows: undefined })}
              panels={panels}
              onPanels={setPanels}
              onUndo={() => dispatch({ kind: 'undo' })}
              onRedo={() => dispatch({ kind: 'redo' })}
            />
            <div className={`main${panels.palette ? '' : ' no-palette'}${panels.inspector || state.details ? '' : ' no-inspector'}`}>
              {panels.palette && <Palette descriptors={state.descriptors} onAdd={(type, preset) => addNode(type, undefined, preset)} />}
              <div className="canvas" ref={canvasRef} onDragOver={e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop}>
                <ReactFlow
                  nodes={design.nodes}
                  edges={design.edges}
                  nodeTypes={nodeTypes}
                  edgeTypes={edgeTypes}
                  onConnectEnd={onConnectEnd}
                  onNodesChange={(changes: NodeChange<DesignNode>[]) => {
                    const kept = changes.filter(c => c.type !== 'remove');
                    if (kept.length) dispatch({ kind: 'nodesChange', changes: kept });
                  }}
                  onEdgesChange={(changes: EdgeChange[]) => {
                    const kept = changes.filter(c => c.type !== 'remove');
                    if (kept.length) dispatch({ kind: 'edgesChange', changes: kept });
                  }}
                  // Removals arrive here once, nodes and edges together: one undo step.
                  onDelete={({ nodes, edges }: { nodes: DesignNode[]; edges: DesignEdge[] }) =>
                    dispatch({ kind: 'delete', nodeIds: nodes.map(n => n.id), edgeIds: edges.map(e => e.id) })}
                  onConnect={(connection: Connection) => dispatch({ kind: 'connect', connection })}
                  onNodeDoubleClick={(_e, node) => dispatch({ kind: 'details', nodeId: node.id })}
                  deleteKeyCode={['Backspace', 'Delete']}
                  multiSelectionKeyCode={['Meta', 'Control']}
                  selectionKeyCode="Shift"
                  onlyRenderVisibleElements
                  minZoom={MIN_ZOOM}
                  fitView
                  fitViewOptions={FIT}
                >
                  <Background />
                  <Controls showInteractive={false} />
                  {panels.minimap && <MiniMap pannable zoomable style={{ width: 160, height: 110 }} />}
                </ReactFlow>
                <IconButton icon={MapIcon} label={panels.minimap ? 'Hide the minimap' : 'Show the minimap'} active={panels.minimap}
                  className="minimap-toggle" data-testid="toggle-minimap" onClick={() => setPanels({ ...panels, minimap: !panels.minimap })} />
                {!ready && <SignInPrompt to="to build, test and publish flows" className="canvas-sign-in" />}
                {design.nodes.length === 0 && state.descriptors.length > 0 && (
                  <div className="empty-state" data-testid="empty-state">
                    <Button icon={Plus} variant="primary" data-testid="add-first-step" onClick={() => openPicker()}>Add first step</Button>
                    <p className="hint">or drag an activity from the palette, or press Tab</p>
                  </div>
                )}
              </div>
              {/* While node details are open they hold the settings: one editor per input on the page. */}
              {!state.details && panels.inspector && <Inspector node={selected.length === 1 ? selected[0] : undefined} />}
            </div>
            {panels.bottom && <BottomPanel
              tab={tab}
              onTab={setTab}
              onSelectNode={selectNode}
              loadInstances={() => api.instances(design.meta.id)}
              onOpenInstance={id => void openInstance(id)}
              loadVersions={() => api.versions(design.meta.id)}
              onViewVersion={v => void viewVersion(v)}
              onRestoreVersion={restoreVersion}
              onPublishVersion={publishVersion}
            />}
            {picker && (
              <NodePicker descriptors={state.descriptors} request={picker} onClose={() => setPicker(undefined)}
                onPick={(type, preset) => {
                  setPicker(undefined);
                  // As in n8n: the new step opens at once, with the data that flows into it and its Test step.
                  const id = addNode(type, picker.position, preset, picker.from);
                  dispatch({ kind: 'details', nodeId: id });
                }} />
            )}
            {pendingImport && (
              <ImportDialog
                pending={pendingImport}
                onAsNew={() => void storeImport(pendingImport.fileName, { ...pendingImport.flow, id: pendingImport.newId })}
                onReplace={() => {
                  if (window.confirm(`Replace flow '${pendingImport.flow.id}' with ${pendingImport.fileName}? It is saved as its newest version (older versions stay in the history).`))
                    void storeImport(pendingImport.fileName, pendingImport.flow);
                }}
                onCancel={() => setPendingImport(undefined)}
              />
            )}
            {state.details && design.nodes.some(n => n.id === state.details) && (
              <NodeDetails node={design.nodes.find(n => n.id === state.details)!} busy={stepping}
                onClose={() => dispatch({ kind: 'details', nodeId: undefined })} onTestStep={id => void testStep(id)}
                onAddNext={id => { dispatch({ kind: 'details', nodeId: undefined }); openPicker(id); }} />
            )}
            <Toast />
          </div>
         </PreviewContext.Provider>
         </PinnedContext.Provider>
        </DecorationStoreContext.Provider>
      </DescriptorsContext.Provider>
    </StoreContext.Provider>
  );
}

export function App() {
  return (
    <ReactFlowProvider>
      <Designer />
    </ReactFlowProvider>
  );
}
