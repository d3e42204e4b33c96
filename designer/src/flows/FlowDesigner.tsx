// The flow designer: the palette, the canvas, the inspector, node details, the node picker and the bottom panel around
// one flow document. Its parts: useFlowDocument (load, save, publish, import, export, versions), useRun (test runs, test
// steps, instances, preview), useShortcuts (the keyboard) and FlowCanvas (React Flow).
import { ReactFlowProvider, useReactFlow, type FinalConnectionState } from '@xyflow/react';
import { useCallback, useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react';
import { createApi } from '../api';
import { can, useSession } from '../session';
import { nodeOutcomes } from './components/ActivityNode';
import { NodePicker, type PickerRequest } from './components/NodePicker';
import { elkLayout } from './layout';
import { BottomPanel, type PanelTab } from './components/BottomPanel';
import { ImportDialog } from './components/ImportDialog';
import { Inspector } from './components/Inspector';
import { DRAG_TYPE, Palette } from './components/Palette';
import { Toolbar, type Panels } from './components/Toolbar';
import { CARD_DRAG_TYPE, type NodePreset } from '../connectors/cardNode';
import { emptyDesign, newNodeId, toFlowJson, type DesignNode } from './flowJson';
import { buildDecorations, DecorationStore } from './decorationStore';
import { problemsByNode } from './problems';
import { DecorationStoreContext, DescriptorsContext, initialState, PinnedContext, PreviewContext, reducer, StoreContext } from './store';
import { NodeDetails } from './components/NodeDetails';
import { Toast, OfflineBanner } from './components/Toast';
import { notConnectedNodes } from './starts';
import { FIT, FlowCanvas } from './FlowCanvas';
import { useFlowDocument } from './useFlowDocument';
import { useRun } from './useRun';
import { useShortcuts } from './useShortcuts';

export { MIN_ZOOM } from './FlowCanvas';

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

  // Live validation, debounced. An answer for a flow that has changed since is dropped: under load an older
  // request can answer after a newer one, and its problems would stay on screen until the next edit.
  const flowJson = useMemo(() => toFlowJson(design), [state.revision]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!ready) return;
    let current = true;
    const timer = setTimeout(() => {
      api.validate(flowJson).then(r => { if (current) dispatch({ kind: 'problems', problems: r.problems }); }, e => { if (current) fail(e); });
    }, 400);
    return () => { current = false; clearTimeout(timer); };
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
  const stateRef = useRef(state);
  stateRef.current = state;
  const designRef = useRef(design);
  designRef.current = design;
  const { pendingImport, setPendingImport, load, mayReplaceCanvas, savedDraft, save, publish, setActive, openFlow, exportFlow, importFlow, storeImport, viewVersion, restoreVersion, publishVersion } =
    useFlowDocument({ api, state, dispatch, flow, fail, layOut });
  const { openInstance, followRetry, hasRunData, evaluate, stepping, testStep, run } = useRun({ api, state, stateRef, dispatch, fail, save, savedDraft, setTab });

  const selectNode = (id: string) => {
    dispatch({ kind: 'select', nodeId: id });
    const node = design.nodes.find(n => n.id === id);
    if (node) flow.setCenter(node.position.x + 90, node.position.y + 30, { zoom: flow.getZoom(), duration: 200 });
  };

  const appRef = useRef<HTMLDivElement>(null);
  useShortcuts({ dispatch, designRef, stateRef, load, save, openPickerRef, closePicker: () => setPicker(undefined), appRef });

  const selected = design.nodes.filter(n => n.selected);
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
              canPublish={can('flows.publish', session)}
              canSave={can('flows.write', session)}
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
              <FlowCanvas canvasRef={canvasRef} onDrop={onDrop} onConnectEnd={onConnectEnd} panels={panels} onPanels={setPanels} ready={ready} onAddFirstStep={() => openPicker()} />
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
              retryApi={api}
              onRetried={id => void followRetry(id)}
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
