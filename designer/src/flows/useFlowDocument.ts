// The flow document: loading, opening, saving the draft, publishing, activating, importing, exporting and the
// version history of the flow on the canvas (split out of FlowDesigner; behaviour unchanged).
import type { ReactFlowInstance } from '@xyflow/react';
import { useEffect, useRef, useState, type Dispatch } from 'react';
import { ApiError, type Api, type DraftBase } from '../api';
import type { FlowJson, Pin } from '../types';
import type { PendingImport } from './components/ImportDialog';
import { FIT } from './FlowCanvas';
import { freshFlowId, fromFlowJson, toFlowJson } from './flowJson';
import { hasUnsavedChanges, type Action, type State } from './store';

export function useFlowDocument({ api, state, dispatch, flow, fail, layOut }: {
  api: Api; state: State; dispatch: Dispatch<Action>; flow: ReactFlowInstance; fail: (e: unknown) => void;
  layOut: (record: boolean) => Promise<void>;
}) {
  const design = state.design;
  const [pendingImport, setPendingImport] = useState<PendingImport>();

  /**
   * What the canvas's edit started from (the flow's newest version and its draft's time), sent with each draft save so a
   * save over another tab's or person's work is refused instead of replacing it; undefined for a flow not opened from the
   * server (a new one), whose first save is not checked.
   */
  const base = useRef<DraftBase | undefined>(undefined);

  const load = (f: FlowJson, version?: number, pins?: Record<string, Pin>) => {
    // Another flow's base never checks this one's saves (viewing another version of the same flow keeps it).
    if (f.id !== design.meta.id) base.current = undefined;
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
      base.current = { latestVersion: draft.latestVersion ?? null, draftUpdatedAt: draft.updatedAt };
      dispatch({ kind: 'message', text: `opened the draft of ${id} (unpublished changes)`, level: 'info' });
    } else {
      const [flowJson, list] = await Promise.all([api.getFlow(id), api.listFlows()]);
      load(flowJson);
      base.current = { latestVersion: list.find(f => f.flowId === id)?.latestVersion ?? null, draftUpdatedAt: null };
    }
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
  /**
   * This page's saves, one after the other: a save started while another is on its way (Publish clicked while a test run
   * saves) waits for it and goes from what it saved, instead of both going from the same base and the second being
   * refused as if another tab had saved.
   */
  const saving = useRef<Promise<unknown>>(Promise.resolve());
  /** Saves the draft (Save, Ctrl/Cmd+S, and before a test run or Publish): nothing goes live. */
  const save = (quiet = false): Promise<boolean> => {
    const next = saving.current.then(() => saveNow(quiet));
    saving.current = next.catch(() => undefined);
    return next;
  };
  const saveNow = async (quiet: boolean): Promise<boolean> => {
    const revision = state.revision;
    try {
      const ids = new Set(design.nodes.map(n => n.id));
      const pins = Object.fromEntries(Object.entries(state.pins).filter(([id]) => ids.has(id)));
      let saved;
      try {
        saved = await api.saveDraft(toFlowJson(design), pins, base.current);
      } catch (e) {
        // Saved or published elsewhere since this edit started: theirs is kept unless the user chooses to replace it.
        if (!(e instanceof ApiError && e.status === 409 && base.current)) throw e;
        const why = ((e.body as { detail?: string } | null)?.detail ?? e.message).split(';')[0];
        if (!window.confirm(`${why}.\n\nReplace those changes with the flow on this canvas?`)) {
          dispatch({ kind: 'message', text: `not saved: ${design.meta.id} was changed elsewhere; open it again to see those changes`, level: 'warning' });
          return false;
        }
        saved = await api.saveDraft(toFlowJson(design), pins);
      }
      base.current = { latestVersion: saved.latestVersion ?? null, draftUpdatedAt: saved.updatedAt };
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

  /** Publish: the draft becomes the newest version and the live one. */
  const publish = async () => {
    if (!(await save(true))) return;
    try {
      const result = await api.publishDraft(design.meta.id);
      base.current = { latestVersion: result.version, draftUpdatedAt: null };
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
      base.current = { latestVersion: result.version, draftUpdatedAt: null };
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
      base.current = { latestVersion: result.version, draftUpdatedAt: (await api.getDraft(design.meta.id))?.updatedAt ?? null };
      dispatch({ kind: 'message', text: `restored version ${version} as version ${result.version}` });
    } catch (e) { fail(e); }
  };

  const publishVersion = async (version: number) => {
    try { await api.publishVersion(design.meta.id, version); dispatch({ kind: 'message', text: `published ${design.meta.id} version ${version}` }); } catch (e) { fail(e); }
  };


  return { pendingImport, setPendingImport, load, mayReplaceCanvas, savedDraft, save, publish, setActive, openFlow, exportFlow, importFlow, storeImport, viewVersion, restoreVersion, publishVersion };
}
