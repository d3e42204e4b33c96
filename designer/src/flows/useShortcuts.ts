// The designer's keyboard: undo/redo, copy/paste (the system clipboard or the designer's own), select all, save,
// Escape closing what is open, and Tab opening the node picker (split out of FlowDesigner; behaviour unchanged).
import { useEffect, useRef, type Dispatch, type MutableRefObject, type RefObject } from 'react';
import type { FlowJson } from '../types';
import { clipText, copySelection, parseClipboard, pasteClip, type Clip } from './clipboard';
import type { Design } from './flowJson';
import type { Action, State } from './store';

/** How long a paste waits for the system clipboard before using the designer's own. */
const CLIPBOARD_WAIT_MS = 500;

const sleep = (ms: number) => new Promise(resolve => setTimeout(resolve, ms));

export function useShortcuts({ dispatch, designRef, stateRef, load, save, openPickerRef, closePicker, appRef }: {
  dispatch: Dispatch<Action>; designRef: MutableRefObject<Design>; stateRef: MutableRefObject<State>; load: (f: FlowJson) => void;
  save: () => Promise<boolean>; openPickerRef: MutableRefObject<(afterId?: string) => void>; closePicker: () => void; appRef: RefObject<HTMLDivElement | null>;
}) {
  // Undo/redo and copy/paste shortcuts, on the document, except while typing in a field.
  const clipboard = useRef<Clip | null>(null);
  /** The text this tab last put on the system clipboard: pasting it again uses the designer's own clip (which moves on). */
  const written = useRef<string | null>(null);
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
      if (e.key === 'Escape') { dispatch({ kind: 'flows', flows: undefined }); dispatch({ kind: 'dismiss' }); dispatch({ kind: 'details', nodeId: undefined }); closePicker(); return; }
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

}
