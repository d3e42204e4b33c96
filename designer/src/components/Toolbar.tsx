import { useState } from 'react';
import { useStore } from '../store';
import type { Json } from '../types';
import { RunForm } from './RunForm';

export interface ToolbarProps {
  apiKey: string;
  onApiKey: (key: string) => void;
  onNew: () => void;
  onOpenList: () => void;
  onOpen: (id: string) => void;
  onSave: () => void;
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
      <button onClick={p.onSave} data-testid="save">Save</button>
      <button onClick={() => setShowRun(!showRun)} data-testid="run-toggle">Run…</button>
      <button onClick={p.onExport} data-testid="export">Export</button>
      <label className="import">Import<input type="file" accept=".json,application/json" aria-label="import flow" onChange={e => { const f = e.target.files?.[0]; if (f) p.onImport(f); e.target.value = ''; }} /></label>
      <button onClick={p.onFitView}>Fit</button>
      <button onClick={p.onLayout} data-testid="layout" title="Arrange the flow left to right along its connections">Layout</button>
      <button onClick={p.onUndo} data-testid="undo" disabled={!state.past.length} title="Undo (Ctrl/Cmd+Z)">Undo</button>
      <button onClick={p.onRedo} data-testid="redo" disabled={!state.future.length} title="Redo (Ctrl/Cmd+Shift+Z, Ctrl+Y)">Redo</button>
      {state.viewingVersion !== undefined && (
        <span className="viewing" data-testid="viewing-version">viewing version {state.viewingVersion}; Save makes it the newest</span>
      )}
      <span className="spacer" />
      <span className={`validity ${state.problems.some(x => x.severity === 'error') ? 'invalid' : 'valid'}`} data-testid="validity">
        {state.problems.filter(x => x.severity === 'error').length} errors, {state.problems.filter(x => x.severity === 'warning').length} warnings
      </span>
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
      {showRun && (
        <div className="run-popover">
          <RunForm declared={state.design.meta.rest.inputs} onRun={inputs => { setShowRun(false); p.onRun(inputs); }} />
        </div>
      )}
    </header>
  );
}
