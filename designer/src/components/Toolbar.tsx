import { useEffect, useState } from 'react';
import { hasUnsavedChanges, useStore } from '../store';
import type { Json } from '../types';
import { RunForm } from './RunForm';

export interface ToolbarProps {
  apiKey: string;
  /** A signed-in browser needs no key: the field is then hidden. */
  signedIn?: boolean;
  /** False hides Publish (a signed-in user without flows.publish); the server refuses it anyway. */
  canPublish?: boolean;
  onApiKey: (key: string) => void;
  onNew: () => void;
  onOpenList: () => void;
  onOpen: (id: string) => void;
  onSave: () => void;
  onPublish: () => void;
  /** Shown for a flow with triggers: switches its published triggers on or off. */
  hasTriggers: boolean;
  onActive: (active: boolean) => void;
  onRun: (inputs: Record<string, Json>) => void;
  onExport: () => void;
  onImport: (file: File) => void;
  onFitView: () => void;
  onLayout: () => void;
  onUndo: () => void;
  onRedo: () => void;
}

export function Toolbar(p: ToolbarProps) {
  const { state } = useStore();
  const [key, setKey] = useState(p.apiKey);
  const [showRun, setShowRun] = useState(false);
  // Escape closes the run popover as it closes every other popover.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setShowRun(false); };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  return (
    <header className="toolbar">
      <strong className="brand">FlowConnectors</strong>
      <button onClick={p.onNew}>New</button>
      <span className="open">
        <button onClick={p.onOpenList}>Open…</button>
        {state.flows && (
          <select aria-label="open flow" value="" onChange={e => e.target.value && p.onOpen(e.target.value)}>
            <option value="">choose a flow ({state.flows.length})</option>
            {state.flows.map(f => <option key={f.flowId} value={f.flowId}>{f.flowId}{f.name ? ` — ${f.name}` : ''}</option>)}
          </select>
        )}
      </span>
      <button onClick={p.onSave} data-testid="save" title="Save the draft (Ctrl/Cmd+S); nothing goes live until Publish">Save</button>
      {hasUnsavedChanges(state) && <span className="unsaved" data-testid="unsaved" title="Changes not saved to the draft yet">● unsaved</span>}
      <button onClick={() => setShowRun(!showRun)} data-testid="run-toggle" title="Test the draft: a test run never changes what triggers run">Test flow…</button>
      {p.canPublish !== false && <button className="primary" onClick={p.onPublish} data-testid="publish" title="Make the draft the live version">Publish</button>}
      {p.hasTriggers && (
        <label className="active-switch" title="When on, the published version's triggers (endpoint, schedule, event) start instances" data-testid="active-switch">
          <input type="checkbox" role="switch" aria-label="Active" checked={state.active ?? false} disabled={state.active === undefined}
            onChange={e => p.onActive(e.target.checked)} />
          {state.active === undefined ? 'not published' : state.active ? 'Active' : 'Inactive'}
        </label>
      )}
      <button onClick={p.onExport} data-testid="export">Export</button>
      <label className="import">Import<input type="file" accept=".json,application/json" aria-label="import flow" onChange={e => { const f = e.target.files?.[0]; if (f) p.onImport(f); e.target.value = ''; }} /></label>
      <button onClick={p.onFitView}>Fit</button>
      <button onClick={p.onLayout} data-testid="layout" title="Arrange the flow left to right along its connections">Layout</button>
      <button onClick={p.onUndo} data-testid="undo" disabled={!state.past.length} title="Undo (Ctrl/Cmd+Z)">Undo</button>
      <button onClick={p.onRedo} data-testid="redo" disabled={!state.future.length} title="Redo (Ctrl/Cmd+Shift+Z, Ctrl+Y)">Redo</button>
      {state.viewingVersion !== undefined && (
        <span className="viewing" data-testid="viewing-version">viewing version {state.viewingVersion}; Publish makes it the newest</span>
      )}
      <span className="spacer" />
      {state.offline ? <span className="validity unknown" data-testid="validity">not validated (server unreachable)</span> : (
        <span className={`validity ${state.problems.some(x => x.severity === 'error') ? 'invalid' : state.problems.length ? 'warned' : 'valid'}`} data-testid="validity">
          {state.problems.filter(x => x.severity === 'error').length} errors, {state.problems.filter(x => x.severity === 'warning').length} warnings
        </span>
      )}
      {!p.signedIn && (
        <input
          className="api-key"
          type="password"
          placeholder="API key (data/api-key.txt)"
          aria-label="API key"
          value={key}
          onChange={e => setKey(e.target.value)}
          onBlur={() => p.onApiKey(key)}
          onKeyDown={e => { if (e.key === 'Enter') p.onApiKey(key); }}
        />
      )}
      {showRun && (
        <div className="run-popover">
          <RunForm declared={state.design.meta.rest.inputs} onRun={inputs => { setShowRun(false); p.onRun(inputs); }} />
        </div>
      )}
    </header>
  );
}
