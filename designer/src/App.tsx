import {
  Background, Controls, MiniMap, ReactFlow, ReactFlowProvider, useReactFlow,
  type Connection, type EdgeChange, type NodeChange, type NodeTypes,
} from '@xyflow/react';
import { useCallback, useEffect, useMemo, useReducer, useRef, useState, type DragEvent } from 'react';
import { API_KEY_STORAGE, ApiError, createApi } from './api';
import { ActivityNode } from './components/ActivityNode';
import { BottomPanel } from './components/BottomPanel';
import { Inspector } from './components/Inspector';
import { DRAG_TYPE, Palette } from './components/Palette';
import { Toolbar } from './components/Toolbar';
import { CARD_DRAG_TYPE, type NodePreset } from './connectors/cardNode';
import { clipText, copySelection, pasteClip, type Clip } from './clipboard';
import { emptyDesign, fromFlowJson, newNodeId, toFlowJson, type DesignEdge, type DesignNode } from './flowJson';
import { problemsByNode } from './problems';
import { DecorationsContext, DescriptorsContext, initialState, reducer, StoreContext, type Decorations, type NodeRunStatus } from './store';
import type { FlowJson, Json } from './types';

const nodeTypes: NodeTypes = { activity: ActivityNode };

function Designer() {
  const [state, dispatch] = useReducer(reducer, initialState);
  const [apiKey, setApiKey] = useState(() => localStorage.getItem(API_KEY_STORAGE) ?? '');
  const keyRef = useRef(apiKey);
  keyRef.current = apiKey;
  const api = useMemo(() => createApi(() => keyRef.current), []);
  const flow = useReactFlow();
  const design = state.design;

  const fail = useCallback((e: unknown) => dispatch({ kind: 'message', text: e instanceof Error ? e.message : String(e), error: true }), []);

  useEffect(() => {
    if (!apiKey) return;
    api.activities().then(descriptors => dispatch({ kind: 'descriptors', descriptors }), fail);
  }, [api, apiKey, fail]);

  // Live validation, debounced.
  const flowJson = useMemo(() => toFlowJson(design), [state.revision]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (!apiKey) return;
    const timer = setTimeout(() => {
      api.validate(flowJson).then(r => dispatch({ kind: 'problems', problems: r.problems }), fail);
    }, 400);
    return () => clearTimeout(timer);
  }, [api, apiKey, flowJson, fail]);

  const descriptorMap = useMemo(() => new Map(state.descriptors.map(d => [d.type, d])), [state.descriptors]);
  const decorations = useMemo<Decorations>(() => {
    const byNode = problemsByNode(state.problems, flowJson);
    const errors = new Map<string, typeof state.problems>();
    const warnings = new Map<string, typeof state.problems>();
    for (const [id, p] of byNode) {
      if (p.errors.length) errors.set(id, p.errors);
      if (p.warnings.length) warnings.set(id, p.warnings);
    }
    return { errors, warnings, runStatus: state.runStatus };
  }, [state.problems, state.runStatus, flowJson]);

  const addNode = useCallback((type: string, position?: { x: number; y: number }, preset?: NodePreset) => {
    const at = position ?? flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
    const node: DesignNode = {
      id: newNodeId(preset?.idBase ?? type, design.nodes.map(n => n.id)), type: 'activity', position: at,
      data: { type, inputs: preset?.inputs ?? {}, ...(preset ? { name: preset.name } : {}), extra: {}, uiExtra: {} },
    };
    dispatch({ kind: 'addNode', node });
  }, [design.nodes, flow]);

  const onDrop = useCallback((event: DragEvent) => {
    event.preventDefault();
    const type = event.dataTransfer.getData(DRAG_TYPE) || event.dataTransfer.getData('text/plain');
    if (!type || !descriptorMap.has(type)) return;
    const card = event.dataTransfer.getData(CARD_DRAG_TYPE); // a connector card: a preconfigured Connector.Action
    addNode(type, flow.screenToFlowPosition({ x: event.clientX, y: event.clientY }), card ? JSON.parse(card) as NodePreset : undefined);
  }, [addNode, descriptorMap, flow]);

  const load = (f: FlowJson) => {
    dispatch({ kind: 'load', design: fromFlowJson(f) });
    setTimeout(() => flow.fitView({ duration: 0 }), 50);
  };

  const save = async (): Promise<boolean> => {
    try {
      const result = await api.saveFlow(toFlowJson(design), true);
      dispatch({ kind: 'message', text: `saved ${result.flowId} version ${result.version}` });
      return true;
    } catch (e) {
      if (e instanceof ApiError && e.problems.length) dispatch({ kind: 'problems', problems: e.problems.map(p => ({ ...p, severity: p.severity ?? 'error' })) });
      fail(e);
      return false;
    }
  };

  const run = async (inputsText: string) => {
    let inputs: Record<string, Json>;
    try { inputs = JSON.parse(inputsText || '{}'); } catch (e) { fail(`the run inputs are not JSON: ${(e as Error).message}`); return; }
    if (!(await save())) return;
    try {
      const result = await api.run(design.meta.id, inputs);
      const journal = await api.journal(result.instanceId).catch(() => []);
      const runStatus: Record<string, NodeRunStatus> = {};
      for (const entry of journal) runStatus[entry.nodeId] = entry.error ? 'faulted' : 'done';
      if (result.fault?.nodeId) runStatus[result.fault.nodeId] = 'faulted';
      dispatch({ kind: 'run', run: result, runStatus });
      dispatch({ kind: 'message', text: `run ${result.status}` });
    } catch (e) { fail(e); }
  };

  const exportFlow = async () => {
    try {
      const text = await api.getFlowText(design.meta.id);
      const url = URL.createObjectURL(new Blob([text], { type: 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${design.meta.id}.flow.json`;
      a.click();
      URL.revokeObjectURL(url);
    } catch (e) { fail(e instanceof ApiError && e.status === 404 ? 'save the flow before exporting it (export downloads the saved, canonical JSON)' : e); }
  };

  const importFlow = async (file: File) => {
    try { load(JSON.parse(await file.text()) as FlowJson); dispatch({ kind: 'message', text: `imported ${file.name}` }); } catch (e) { fail(`${file.name} is not flow JSON: ${(e as Error).message}`); }
  };

  const selectNode = (id: string) => {
    dispatch({ kind: 'select', nodeId: id });
    const node = design.nodes.find(n => n.id === id);
    if (node) flow.setCenter(node.position.x + 90, node.position.y + 30, { zoom: flow.getZoom(), duration: 200 });
  };

  // Undo/redo and copy/paste shortcuts, on the document, except while typing in a field.
  const clipboard = useRef<Clip | null>(null);
  const designRef = useRef(design);
  designRef.current = design;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.altKey) return;
      const target = e.target as HTMLElement | null;
      if (target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName))) return;
      const key = e.key.toLowerCase();
      const current = designRef.current;
      if (key === 'z' && !e.shiftKey) dispatch({ kind: 'undo' });
      else if ((key === 'z' && e.shiftKey) || key === 'y') dispatch({ kind: 'redo' });
      else if (key === 'c') {
        if (window.getSelection()?.toString()) return; // copying page text (problems, outputs), not nodes
        const clip = copySelection(current);
        if (!clip) return;
        clipboard.current = clip;
        navigator.clipboard?.writeText(clipText(clip, current.meta)).catch(() => undefined);
      } else if (key === 'v') {
        if (!clipboard.current) return;
        const pasted = pasteClip(clipboard.current, current.nodes.map(n => n.id));
        clipboard.current = pasted; // the next paste lands another 40 px further
        dispatch({ kind: 'paste', nodes: pasted.nodes, edges: pasted.edges });
      } else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const selected = design.nodes.filter(n => n.selected);
  const store = useMemo(() => ({ state, dispatch }), [state]);

  return (
    <StoreContext.Provider value={store}>
      <DescriptorsContext.Provider value={descriptorMap}>
        <DecorationsContext.Provider value={decorations}>
          <div className="app">
            <Toolbar
              apiKey={apiKey}
              onApiKey={key => { localStorage.setItem(API_KEY_STORAGE, key); setApiKey(key); }}
              onNew={() => load(toFlowJson(emptyDesign(`flow-${Date.now().toString(36)}`)))}
              onOpenList={() => api.listFlows().then(flows => dispatch({ kind: 'flows', flows }), fail)}
              onOpen={id => api.getFlow(id).then(f => { load(f); dispatch({ kind: 'flows', flows: undefined }); }, fail)}
              onSave={() => void save()}
              onRun={inputs => void run(inputs)}
              onExport={() => void exportFlow()}
              onImport={file => void importFlow(file)}
              onFitView={() => flow.fitView()}
              onLayout={() => { dispatch({ kind: 'layout' }); setTimeout(() => flow.fitView({ duration: 200 }), 50); }}
              onUndo={() => dispatch({ kind: 'undo' })}
              onRedo={() => dispatch({ kind: 'redo' })}
            />
            <div className="main">
              <Palette descriptors={state.descriptors} onAdd={(type, preset) => addNode(type, undefined, preset)} />
              <div className="canvas" onDragOver={e => { e.preventDefault(); e.dataTransfer.dropEffect = 'move'; }} onDrop={onDrop}>
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
                  // Removals arrive here once, nodes and edges together: one undo step.
                  onDelete={({ nodes, edges }: { nodes: DesignNode[]; edges: DesignEdge[] }) =>
                    dispatch({ kind: 'delete', nodeIds: nodes.map(n => n.id), edgeIds: edges.map(e => e.id) })}
                  onConnect={(connection: Connection) => dispatch({ kind: 'connect', connection })}
                  deleteKeyCode={['Backspace', 'Delete']}
                  multiSelectionKeyCode={['Meta', 'Control']}
                  selectionKeyCode="Shift"
                  onlyRenderVisibleElements
                  fitView
                >
                  <Background />
                  <Controls />
                  <MiniMap pannable zoomable />
                </ReactFlow>
              </div>
              <Inspector node={selected.length === 1 ? selected[0] : undefined} />
            </div>
            <BottomPanel onSelectNode={selectNode} />
          </div>
        </DecorationsContext.Provider>
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
