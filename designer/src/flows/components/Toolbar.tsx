import { useEffect, useState } from 'react';
import { hasUnsavedChanges, useStore } from '../store';
import type { Json } from '../../types';
import { RunForm } from './RunForm';
import { FlowList } from './FlowList';
import favicon from '../../favicon.svg';
import { Button, IconButton, Toggle } from '../../components/ui';
import {
  Download, FilePlus, FolderOpen, LayoutGrid, Maximize, PanelBottom, PanelLeft, PanelRight, Play, Redo2, Rocket, Save, Undo2, Upload,
} from 'lucide-react';

/** Which parts of the screen are shown besides the canvas (kept in localStorage). */
export interface Panels { palette: boolean; inspector: boolean; bottom: boolean; minimap: boolean }

export interface ToolbarProps {
  /** False hides Publish (a signed-in user without flows.publish); the server refuses it anyway. */
  canPublish?: boolean;
  /** False hides Save and Test flow (a signed-in user without flows.write: a viewer or an operator). */
  canSave?: boolean;
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
  onCloseList: () => void;
  panels: Panels;
  onPanels: (panels: Panels) => void;
}

export function Toolbar(p: ToolbarProps) {
  const { state } = useStore();
  const [showRun, setShowRun] = useState(false);
  // Escape closes the run popover as it closes every other popover.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => { if (e.key === 'Escape') setShowRun(false); };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
  const errors = state.problems.filter(x => x.severity === 'error').length;
  const warnings = state.problems.filter(x => x.severity === 'warning').length;
  const panel = (name: keyof Panels) => () => p.onPanels({ ...p.panels, [name]: !p.panels[name] });
  return (
    <header className="toolbar">
      <img className="brand-mark" src={favicon} alt="" width={20} height={20} />
      <strong className="brand">FlowConnectors</strong>
      <div className="toolbar-group">
        <Button icon={FilePlus} collapsible onClick={p.onNew} title="A new, empty flow">New</Button>
        <span className="open">
          <Button icon={FolderOpen} onClick={() => (state.flows ? p.onCloseList() : p.onOpenList())} aria-expanded={!!state.flows}
            title="Open a stored flow (search by id, name or tag)">Open…</Button>
          {state.flows && <FlowList flows={state.flows} onOpen={p.onOpen} onClose={p.onCloseList} />}
        </span>
      </div>
      <div className="toolbar-group">
        {p.canSave !== false && <Button icon={Save} onClick={p.onSave} data-testid="save" title="Save the draft (Ctrl/Cmd+S); nothing goes live until Publish">Save</Button>}
        {hasUnsavedChanges(state) && <span className="unsaved" data-testid="unsaved" title="Changes not saved to the draft yet">● unsaved</span>}
        {p.canSave !== false && <Button icon={Play} onClick={() => setShowRun(!showRun)} data-testid="run-toggle" aria-expanded={showRun}
          title="Test the draft: a test run never changes what triggers run">Test flow…</Button>}
        {p.canPublish !== false && <Button icon={Rocket} variant="primary" onClick={p.onPublish} data-testid="publish" title="Make the draft the live version">Publish</Button>}
        {p.hasTriggers && (
          <Toggle label="Active" testId="active-switch" checked={state.active ?? false} disabled={state.active === undefined || p.canPublish === false}
            onChange={p.onActive} text={state.active === undefined ? 'not published' : state.active ? 'Active' : 'Inactive'}
            title="When on, the published version's triggers (endpoint, schedule, event) start instances" />
        )}
      </div>
      <div className="toolbar-group">
        <IconButton icon={Undo2} label="Undo" onClick={p.onUndo} data-testid="undo" disabled={!state.past.length} title="Undo (Ctrl/Cmd+Z)" />
        <IconButton icon={Redo2} label="Redo" onClick={p.onRedo} data-testid="redo" disabled={!state.future.length} title="Redo (Ctrl/Cmd+Shift+Z, Ctrl+Y)" />
        <Button icon={LayoutGrid} collapsible onClick={p.onLayout} data-testid="layout" title="Arrange the flow left to right along its connections">Layout</Button>
        <Button icon={Maximize} collapsible onClick={p.onFitView} title="Fit the whole flow on the screen">Fit</Button>
        <Button icon={Download} collapsible onClick={p.onExport} data-testid="export" title="Download the flow as JSON">Export</Button>
        <label className="ui-btn ui-btn-default ui-btn-collapsible import" title="Import a *.flow.json file">
          <Upload size={15} aria-hidden /><span className="ui-btn-label">Import</span>
          <input type="file" accept=".json,application/json" aria-label="import flow" onChange={e => { const f = e.target.files?.[0]; if (f) p.onImport(f); e.target.value = ''; }} />
        </label>
      </div>
      {state.viewingVersion !== undefined && (
        <span className="viewing" data-testid="viewing-version">viewing version {state.viewingVersion}; Publish makes it the newest</span>
      )}
      <span className="spacer" />
      {state.offline ? <span className="validity unknown" data-testid="validity">not validated (server unreachable)</span> : (
        <span className={`validity ${errors ? 'invalid' : warnings ? 'warned' : 'valid'}`} data-testid="validity">
          {errors} errors, {warnings} warnings
        </span>
      )}
      <div className="toolbar-group panels" role="group" aria-label="panels">
        <IconButton icon={PanelLeft} label="Palette" active={p.panels.palette} onClick={panel('palette')} data-testid="toggle-palette" title="Show or hide the palette" />
        <IconButton icon={PanelBottom} label="Bottom panel" active={p.panels.bottom} onClick={panel('bottom')} data-testid="toggle-bottom" title="Show or hide problems, run, instances and versions" />
        <IconButton icon={PanelRight} label="Inspector" active={p.panels.inspector} onClick={panel('inspector')} data-testid="toggle-inspector" title="Show or hide the inspector" />
      </div>
      {showRun && (
        <div className="run-popover">
          <RunForm declared={state.design.meta.rest.inputs} onRun={inputs => { setShowRun(false); p.onRun(inputs); }} />
        </div>
      )}
    </header>
  );
}
