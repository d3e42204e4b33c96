// Card builder: a connector's action, event and helper flows with their cards; options, inputs and
// outputs dialogs (label, type, required, static dropdown values, dynamic dropdown from a helper flow,
// dependent options); a live preview; the flow's steps on the canvas (CardCanvas), never as JSON text.
import { useCallback, useEffect, useMemo, useState } from 'react';
import { CardCanvas } from './CardCanvas';
import {
  applyCard, CARD_KINDS, cardFromFlow, cardProblems, emptyField, FIELD_TYPES, helperFlows, newActionFlow, newDropdownHelperFlow, STANDARD_FLOWS,
  type CardModel, type FieldModel, type OutputModel,
} from './cardModel';
import { CardPreview } from './CardPreview';
import { Button, Modal } from '../components/ui';
import type { ConnectorFlowJson, ConnectorSource } from './types';
import { useCan } from '../session';

/** The designer's one Modal (components/ui.tsx) with OK and Cancel: Escape or a click outside cancels. */
function Dialog({ title, testId, children, onOk, onCancel, okLabel = 'OK' }: {
  title: string; testId: string; children: React.ReactNode; onOk: () => void; onCancel: () => void; okLabel?: string;
}) {
  return (
    <Modal title={title} label={title} testId={testId} onClose={onCancel} footer={<>
      <Button variant="primary" onClick={onOk} data-testid={`${testId}-ok`}>{okLabel}</Button>
      <Button onClick={onCancel}>Cancel</Button>
    </>}>
      {children}
    </Modal>
  );
}

function FieldDialog({ initial, others, helpers, onOk, onCancel }: {
  initial: FieldModel; others: string[]; helpers: string[]; onOk: (f: FieldModel) => void; onCancel: () => void;
}) {
  const [f, setF] = useState<FieldModel>(initial);
  const dropdown = f.dynamic ? 'dynamic' : f.staticOptions.length ? 'static' : 'none';
  const setDropdown = (kind: string) => setF({
    ...f,
    dynamic: kind === 'dynamic' ? f.dynamic ?? { flow: helpers[0] ?? '', dependsOn: [] } : null,
    staticOptions: kind === 'static' ? (f.staticOptions.length ? f.staticOptions : [{ label: '', value: '' }]) : [],
  });
  const setOption = (i: number, patch: Partial<{ label: string; value: string }>) =>
    setF({ ...f, staticOptions: f.staticOptions.map((o, j) => (j === i ? { ...o, ...patch } : o)) });
  return (
    <Dialog title={initial.name ? `Field ${initial.name}` : 'New field'} testId="field-dialog" onOk={() => onOk(f)} onCancel={onCancel}>
      <div className="settings-grid">
        <label className="field">Name<input aria-label="Field name" value={f.name} onChange={e => setF({ ...f, name: e.target.value })} /></label>
        <label className="field">Label<input aria-label="Field label" value={f.label} onChange={e => setF({ ...f, label: e.target.value })} /></label>
        <label className="field">Type
          <select aria-label="Field type" value={f.type} onChange={e => setF({ ...f, type: e.target.value })}>
            {[...new Set([...FIELD_TYPES, f.type])].map(t => <option key={t} value={t}>{t}</option>)}
          </select>
        </label>
        <label className="field">Shown as
          <select aria-label="Field role" value={f.role} onChange={e => setF({ ...f, role: e.target.value as FieldModel['role'] })}>
            <option value="input">input (mapped when the flow runs)</option>
            <option value="option">option (chosen when the card is added)</option>
          </select>
        </label>
        <label className="field checkbox"><input type="checkbox" aria-label="Field required" checked={f.required} onChange={e => setF({ ...f, required: e.target.checked })} /> required</label>
        <label className="field">Default<input aria-label="Field default" value={f.defaultText} onChange={e => setF({ ...f, defaultText: e.target.value })} /></label>
      </div>
      <label className="field">Description<input aria-label="Field description" value={f.description} onChange={e => setF({ ...f, description: e.target.value })} /></label>
      <label className="field">Dropdown
        <select aria-label="Field dropdown" value={dropdown} onChange={e => setDropdown(e.target.value)}>
          <option value="none">none</option>
          <option value="static">static values</option>
          <option value="dynamic">dynamic, from a helper flow</option>
        </select>
      </label>
      {dropdown === 'static' && (
        <div data-testid="static-options">
          {f.staticOptions.map((o, i) => (
            <div key={i} className="option-row">
              <input aria-label={`option ${i + 1} label`} placeholder="label" value={o.label} onChange={e => setOption(i, { label: e.target.value })} />
              <input aria-label={`option ${i + 1} value`} placeholder="value" value={o.value} onChange={e => setOption(i, { value: e.target.value })} />
              <button type="button" aria-label={`remove option ${i + 1}`} onClick={() => setF({ ...f, staticOptions: f.staticOptions.filter((_, j) => j !== i) })}>✕</button>
            </div>
          ))}
          <button type="button" onClick={() => setF({ ...f, staticOptions: [...f.staticOptions, { label: '', value: '' }] })}>Add value</button>
        </div>
      )}
      {dropdown === 'dynamic' && f.dynamic && (
        <div data-testid="dynamic-options">
          {helpers.length === 0 && <p className="error">This connector has no helper flow yet: add one with “New dropdown helper”.</p>}
          <label className="field">Helper flow
            <select aria-label="Helper flow" value={f.dynamic.flow} onChange={e => setF({ ...f, dynamic: { ...f.dynamic!, flow: e.target.value } })}>
              <option value="">(choose)</option>
              {helpers.map(h => <option key={h} value={h}>{h}</option>)}
            </select>
          </label>
          {others.length > 0 && (
            <fieldset className="depends-on">
              <legend>Depends on (their values are passed to the helper flow)</legend>
              {others.map(o => (
                <label key={o} className="checkbox">
                  <input type="checkbox" aria-label={`depends on ${o}`} checked={f.dynamic!.dependsOn.includes(o)}
                    onChange={e => setF({ ...f, dynamic: { ...f.dynamic!, dependsOn: e.target.checked ? [...f.dynamic!.dependsOn, o] : f.dynamic!.dependsOn.filter(d => d !== o) } })} /> {o}
                </label>
              ))}
            </fieldset>
          )}
        </div>
      )}
    </Dialog>
  );
}

function OutputDialog({ initial, onOk, onCancel }: { initial: OutputModel; onOk: (o: OutputModel) => void; onCancel: () => void }) {
  const [o, setO] = useState(initial);
  return (
    <Dialog title={initial.name ? `Output ${initial.name}` : 'New output'} testId="output-dialog" onOk={() => onOk(o)} onCancel={onCancel}>
      <label className="field">Name<input aria-label="Output name" value={o.name} onChange={e => setO({ ...o, name: e.target.value })} /></label>
      <label className="field">Label<input aria-label="Output label" value={o.label} onChange={e => setO({ ...o, label: e.target.value })} /></label>
      <label className="field">Type
        <select aria-label="Output type" value={o.type} onChange={e => setO({ ...o, type: e.target.value })}>
          {[...new Set([...FIELD_TYPES, o.type])].map(t => <option key={t} value={t}>{t}</option>)}
        </select>
      </label>
      <label className="field">Description<input aria-label="Output description" value={o.description} onChange={e => setO({ ...o, description: e.target.value })} /></label>
    </Dialog>
  );
}

type NewFlow = { kind: 'action'; id: string; label: string; method: string; url: string } | { kind: 'helper'; id: string; url: string; listPath: string; keyField: string; valueField: string; inputs: string };

function NewFlowDialog({ kind, taken, onOk, onCancel }: { kind: 'action' | 'helper'; taken: string[]; onOk: (f: ConnectorFlowJson) => void; onCancel: () => void }) {
  const [v, setV] = useState<NewFlow>(kind === 'action'
    ? { kind, id: '', label: '', method: 'GET', url: '' }
    : { kind, id: '', url: '/', listPath: '', keyField: 'id', valueField: 'name', inputs: '' });
  const [error, setError] = useState<string>();
  const ok = () => {
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(v.id)) { setError('the flow name must start with a letter and hold letters, digits, _ or -'); return; }
    if (taken.includes(v.id)) { setError(`the connector already has a flow '${v.id}'`); return; }
    onOk(v.kind === 'action'
      ? newActionFlow(v.id, v.label, v.method, v.url)
      : newDropdownHelperFlow(v.id, v.url, v.listPath, v.keyField, v.valueField, v.inputs.split(',').map(s => s.trim()).filter(Boolean)));
  };
  const set = (patch: Record<string, string>) => setV({ ...v, ...patch } as NewFlow);
  return (
    <Dialog title={kind === 'action' ? 'New action card' : 'New dropdown helper'} testId="new-flow-dialog" onOk={ok} onCancel={onCancel} okLabel="Create">
      <label className="field">Flow name<input aria-label="Flow name" value={v.id} placeholder={kind === 'action' ? 'getProject' : 'listProjects'} onChange={e => set({ id: e.target.value })} /></label>
      {v.kind === 'action' && <>
        <label className="field">Card label<input aria-label="Card label" value={v.label} onChange={e => set({ label: e.target.value })} /></label>
        <label className="field">Method
          <select aria-label="Method" value={v.method} onChange={e => set({ method: e.target.value })}>
            {['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].map(m => <option key={m}>{m}</option>)}
          </select>
        </label>
      </>}
      <label className="field">Relative URL{v.kind === 'action' && <span className="hint"> (optional: starts the card with that request; empty opens the canvas with just its Return)</span>}
        <input aria-label="Relative URL" value={v.url} placeholder="/projects/{{ input.project }}" onChange={e => set({ url: e.target.value })} /></label>
      {v.kind === 'helper' && <>
        <label className="field">List in the response body<input aria-label="List path" value={v.listPath} placeholder="(the body itself), or e.g. data.items" onChange={e => set({ listPath: e.target.value })} /></label>
        <label className="field">Key field (the value stored)<input aria-label="Key field" value={v.keyField} onChange={e => set({ keyField: e.target.value })} /></label>
        <label className="field">Value field (the text shown)<input aria-label="Value field" value={v.valueField} onChange={e => set({ valueField: e.target.value })} /></label>
        <label className="field">Inputs (fields it depends on, comma-separated)<input aria-label="Helper inputs" value={v.inputs} onChange={e => set({ inputs: e.target.value })} /></label>
      </>}
      {error && <p className="error">{error}</p>}
    </Dialog>
  );
}

function fieldSummary(f: FieldModel): string {
  if (f.dynamic) return `dynamic: ${f.dynamic.flow || '?'}${f.dynamic.dependsOn.length ? ` ← ${f.dynamic.dependsOn.join(', ')}` : ''}`;
  if (f.staticOptions.length) return `${f.staticOptions.length} value${f.staticOptions.length === 1 ? '' : 's'}`;
  return '';
}

function CardEditor({ source, flow, busy, onSave, onDelete }: {
  source: ConnectorSource; flow: ConnectorFlowJson; busy: boolean; onSave: (f: ConnectorFlowJson) => Promise<boolean>; onDelete: () => void;
}) {
  const [model, setModel] = useState<CardModel>(() => cardFromFlow(flow));
  const can = useCan();
  const [editing, setEditing] = useState<{ index: number; field: FieldModel } | null>(null);
  const [editingOutput, setEditingOutput] = useState<{ index: number; output: OutputModel } | null>(null);
  useEffect(() => { setModel(cardFromFlow(flow)); }, [flow]);
  const problems = cardProblems(model);
  const helpers = helperFlows(source.flows, flow.id);
  const otherFlows = source.flows.map(f => f.id).filter(id => id !== flow.id && !STANDARD_FLOWS.includes(id));
  const isStandard = STANDARD_FLOWS.includes(flow.id);
  const hasCard = !!flow.card || !isStandard;
  const set = (patch: Partial<CardModel>) => setModel(m => ({ ...m, ...patch }));
  const saveField = (f: FieldModel) => {
    if (!editing) return;
    const fields = editing.index < 0 ? [...model.fields, f] : model.fields.map((g, i) => (i === editing.index ? f : g));
    set({ fields });
    setEditing(null);
  };
  const saveOutput = (o: OutputModel) => {
    if (!editingOutput) return;
    set({ outputs: editingOutput.index < 0 ? [...model.outputs, o] : model.outputs.map((p, i) => (i === editingOutput.index ? o : p)) });
    setEditingOutput(null);
  };
  const move = (i: number, by: number) => {
    const fields = [...model.fields];
    const [f] = fields.splice(i, 1);
    fields.splice(Math.max(0, Math.min(fields.length, i + by)), 0, f);
    set({ fields });
  };
  // What Save and Test send: the flow as drawn on the canvas with the card panel's fields, outputs and card block.
  const compose = useCallback((drawn: ConnectorFlowJson) => (isStandard ? drawn : applyCard(drawn, model)), [isStandard, model]);
  const declarations = useMemo(() => {
    if (isStandard) return undefined;
    const applied = applyCard(flow, model);
    return { inputs: applied.inputs ?? [], outputs: applied.outputs ?? [] };
  }, [flow, model, isStandard]);
  const panelDirty = !isStandard && JSON.stringify(cardFromFlow(flow)) !== JSON.stringify(model);

  const panel = (
    <div className="card-editor" data-testid="card-editor">
      <div className="card-editor-form">
        <h3>{flow.id}{isStandard && <span className="hint"> — a standard flow; it has no card</span>}</h3>
        {hasCard && !isStandard && <>
          <div className="settings-grid">
            <label className="field">Card kind
              <select aria-label="Card kind" value={model.kind} onChange={e => set({ kind: e.target.value as CardModel['kind'] })}>
                {CARD_KINDS.map(k => <option key={k}>{k}</option>)}
              </select>
            </label>
            <label className="field">Label<input aria-label="Card label" value={model.label} onChange={e => set({ label: e.target.value })} /></label>
            <label className="field">Group<input aria-label="Card group" value={model.group} onChange={e => set({ group: e.target.value })} /></label>
            <label className="field">Flow name<input aria-label="Flow display name" value={model.flowName} onChange={e => set({ flowName: e.target.value })} /></label>
          </div>
          <label className="field">Description<input aria-label="Card description" value={model.description} onChange={e => set({ description: e.target.value })} /></label>
          {model.kind === 'event' && (
            <div className="settings-grid">
              {(['registration', 'deregistration'] as const).map(which => (
                <label key={which} className="field">{which === 'registration' ? 'Registration flow' : 'Deregistration flow'}
                  <select aria-label={which === 'registration' ? 'Registration flow' : 'Deregistration flow'} value={model[which]} onChange={e => set({ [which]: e.target.value })}>
                    <option value="">(choose)</option>
                    {otherFlows.map(id => <option key={id} value={id}>{id}</option>)}
                  </select>
                </label>
              ))}
            </div>
          )}
          {model.kind === 'polling' && (
            <label className="field">Polling interval<input aria-label="Polling interval" placeholder="00:05:00" value={model.interval} onChange={e => set({ interval: e.target.value })} /></label>
          )}
          <h4>Options and inputs</h4>
          <table className="fields" data-testid="card-fields">
            <thead><tr><th>name</th><th>label</th><th>type</th><th>shown as</th><th>required</th><th>dropdown</th><th /></tr></thead>
            <tbody>
              {model.fields.map((f, i) => (
                <tr key={`${f.name}-${i}`} data-testid={`card-field-${f.name}`}>
                  <td><code>{f.name}</code></td><td>{f.label}</td><td>{f.type}</td><td>{f.role}</td><td>{f.required ? 'yes' : ''}</td><td>{fieldSummary(f)}</td>
                  <td className="row-actions">
                    <button type="button" aria-label={`edit ${f.name}`} onClick={() => setEditing({ index: i, field: f })}>Edit</button>
                    <button type="button" aria-label={`move ${f.name} up`} onClick={() => move(i, -1)} disabled={i === 0}>↑</button>
                    <button type="button" aria-label={`remove ${f.name}`} onClick={() => set({ fields: model.fields.filter((_, j) => j !== i) })}>✕</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" data-testid="add-option" onClick={() => setEditing({ index: -1, field: { ...emptyField(), role: 'option', required: true } })}>Add option</button>
          <button type="button" data-testid="add-input" onClick={() => setEditing({ index: -1, field: emptyField() })}>Add input</button>
          <label className="field">Dynamic inputs (extra fields a helper flow returns)
            <select aria-label="Dynamic inputs flow" value={model.dynamicInputs?.flow ?? ''}
              onChange={e => set({ dynamicInputs: e.target.value ? { flow: e.target.value, dependsOn: model.dynamicInputs?.dependsOn ?? [] } : null })}>
              <option value="">(none)</option>
              {helpers.map(h => <option key={h} value={h}>{h}</option>)}
            </select>
          </label>
          {model.dynamicInputs && model.fields.length > 0 && (
            <fieldset className="depends-on">
              <legend>Dynamic inputs depend on</legend>
              {model.fields.map(f => (
                <label key={f.name} className="checkbox">
                  <input type="checkbox" aria-label={`dynamic inputs depend on ${f.name}`} checked={model.dynamicInputs!.dependsOn.includes(f.name)}
                    onChange={e => set({ dynamicInputs: { ...model.dynamicInputs!, dependsOn: e.target.checked ? [...model.dynamicInputs!.dependsOn, f.name] : model.dynamicInputs!.dependsOn.filter(d => d !== f.name) } })} /> {f.name}
                </label>
              ))}
            </fieldset>
          )}
          <h4>Outputs</h4>
          <table className="fields" data-testid="card-outputs">
            <tbody>
              {model.outputs.map((o, i) => (
                <tr key={`${o.name}-${i}`} data-testid={`card-output-${o.name}`}>
                  <td><code>{o.name}</code></td><td>{o.label}</td><td>{o.type}</td>
                  <td className="row-actions">
                    <button type="button" aria-label={`edit output ${o.name}`} onClick={() => setEditingOutput({ index: i, output: o })}>Edit</button>
                    <button type="button" aria-label={`remove output ${o.name}`} onClick={() => set({ outputs: model.outputs.filter((_, j) => j !== i) })}>✕</button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <button type="button" data-testid="add-output" onClick={() => setEditingOutput({ index: -1, output: { name: '', label: '', type: 'string', description: '' } })}>Add output</button>
          <label className="field checkbox"><input type="checkbox" aria-label="Selectable outputs" checked={model.selectableOutputs} onChange={e => set({ selectableOutputs: e.target.checked })} /> users pick which outputs the card exposes</label>
        </>}
        {problems.length > 0 && <ul className="error" data-testid="card-problems">{problems.map(p => <li key={p}>{p}</li>)}</ul>}
        {isStandard && <p className="hint">Its inputs and outputs follow the Okta conventions (docs/connectors.md); edit its steps on the canvas.</p>}
      </div>
      {!isStandard && (
        <div className="card-editor-preview">
          <h4>Preview</h4>
          <CardPreview model={model} connectorName={source.manifest.name} accentColor={source.manifest.accentColor} />
        </div>
      )}
      {editing && (
        <FieldDialog initial={editing.field} helpers={helpers} others={model.fields.filter((_, i) => i !== editing.index).map(f => f.name)}
          onOk={saveField} onCancel={() => setEditing(null)} />
      )}
      {editingOutput && <OutputDialog initial={editingOutput.output} onOk={saveOutput} onCancel={() => setEditingOutput(null)} />}
    </div>
  );
  return (
    <CardCanvas source={source} flow={flow} busy={busy || problems.length > 0} compose={compose} declarations={declarations} panel={panel} panelDirty={panelDirty}
      onSave={f => onSave(f)}
      actions={!['httpHelper', '_authping'].includes(flow.id) && can('connectors.write') && <button type="button" data-testid="delete-flow" disabled={busy} onClick={onDelete}>Delete flow</button>} />
  );
}

const GROUPS: { title: string; test: (f: ConnectorFlowJson) => boolean }[] = [
  { title: 'Action cards', test: f => f.card?.kind === 'action' },
  { title: 'Event cards', test: f => f.card?.kind === 'event' || f.card?.kind === 'polling' },
  { title: 'Helper flows', test: f => !STANDARD_FLOWS.includes(f.id) && (!f.card || f.card.kind === 'helper') },
  { title: 'Standard flows', test: f => STANDARD_FLOWS.includes(f.id) },
];

export function CardBuilder({ source, busy, selected, onSelect, onSave, onDelete }: {
  source: ConnectorSource; busy: boolean; selected: string | null; onSelect: (id: string | null) => void;
  onSave: (f: ConnectorFlowJson) => Promise<boolean>; onDelete: (id: string) => void;
}) {
  const [creating, setCreating] = useState<'action' | 'helper' | null>(null);
  const can = useCan();
  const flow = useMemo(() => source.flows.find(f => f.id === selected) ?? null, [source, selected]);
  return (
    <div className="card-builder">
      <aside className="flow-list" data-testid="flow-list">
        {can('connectors.write') && <>
          <button type="button" data-testid="new-action" onClick={() => setCreating('action')}>New action card</button>
          <button type="button" data-testid="new-helper" onClick={() => setCreating('helper')}>New dropdown helper</button>
        </>}
        {GROUPS.map(g => {
          const flows = source.flows.filter(g.test);
          if (!flows.length) return null;
          return (
            <section key={g.title}>
              <h5>{g.title}</h5>
              {flows.map(f => (
                <div key={f.id} className={`flow-item${f.id === selected ? ' active' : ''}`} data-testid={`flow-${f.id}`} onClick={() => onSelect(f.id)}>
                  {f.card?.label || f.name || f.id} <span className="hint">{f.id}</span>
                </div>
              ))}
            </section>
          );
        })}
      </aside>
      {flow ? <CardEditor key={flow.id} source={source} flow={flow} busy={busy} onSave={onSave} onDelete={() => onDelete(flow.id)} />
        : <p className="hint">Choose a flow, or create a card.</p>}
      {creating && (
        <NewFlowDialog kind={creating} taken={source.flows.map(f => f.id)} onCancel={() => setCreating(null)}
          onOk={async f => { if (await onSave(f)) { setCreating(null); onSelect(f.id); } }} />
      )}
    </div>
  );
}
