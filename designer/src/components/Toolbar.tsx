import { useState } from 'react';
import { useStore } from '../store';

export interface ToolbarProps {
  apiKey: string;
  onApiKey: (key: string) => void;
  onNew: () => void;
  onOpenList: () => void;
  onOpen: (id: string) => void;
  onSave: () => void;
  onRun: (inputs: string) => void;
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
  const [inputs, setInputs] = useState('{}');
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
      <button onClick={p.onExport}>Export</button>
      <label className="import">Import<input type="file" accept=".json,application/json" aria-label="import flow" onChange={e => { const f = e.target.files?.[0]; if (f) p.onImport(f); e.target.value = ''; }} /></label>
      <button onClick={p.onFitView}>Fit</button>
      <button onClick={p.onLayout} data-testid="layout" title="Arrange the flow left to right along its connections">Layout</button>
      <button onClick={p.onUndo} data-testid="undo" disabled={!state.past.length} title="Undo (Ctrl/Cmd+Z)">Undo</button>
      <button onClick={p.onRedo} data-testid="redo" disabled={!state.future.length} title="Redo (Ctrl/Cmd+Shift+Z, Ctrl+Y)">Redo</button>
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
          <label>Inputs (JSON)
            <textarea aria-label="run inputs" rows={4} value={inputs} onChange={e => setInputs(e.target.value)} />
          </label>
          <button data-testid="run" onClick={() => p.onRun(inputs)}>Save and run</button>
        </div>
      )}
    </header>
  );
}
