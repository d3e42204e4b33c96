// The inspector's part for a Connector.Action node: pick a connection of the card's connector and fill
// the card's options and inputs; dynamic dropdowns load from the chosen connection.
import { useEffect, useMemo, useState } from 'react';
import type { DesignNode } from '../flows/flowJson';
import { useStore } from '../flows/store';
import type { Json } from '../types';
import type { FieldModel } from './cardModel';
import { cardFields, cardValues, dependencyValues, isLiteral, withCardValue } from './cardNode';
import { createConnectorsApi } from './connectorsApi';
import type { ConnectionInfo, ConnectorCardInfo, DropdownItem } from './types';

const itemText = (v: Json) => (typeof v === 'string' ? v : JSON.stringify(v));

function DynamicSelect({ field, node, connectionId, values, onChange }: {
  field: FieldModel; node: DesignNode; connectionId: string; values: Record<string, Json>; onChange: (v: Json | undefined) => void;
}) {
  const api = useMemo(() => createConnectorsApi(), []);
  const [items, setItems] = useState<DropdownItem[] | null>(null);
  const [error, setError] = useState<string>();
  const connector = node.data.inputs.connector as string;
  const action = node.data.inputs.action as string;
  const dependencies = JSON.stringify(dependencyValues(field, values));
  useEffect(() => {
    setItems(null);
    setError(undefined);
    if (!connectionId) return;
    let cancelled = false;
    api.dropdown(connector, action, field.name, connectionId, JSON.parse(dependencies) as Record<string, Json>)
      .then(list => { if (!cancelled) setItems(list); }, e => { if (!cancelled) setError((e as Error).message); });
    return () => { cancelled = true; };
  }, [api, connector, action, field.name, connectionId, dependencies]);
  const value = values[field.name];
  if (!connectionId) return <select disabled aria-label={field.label || field.name}><option>Choose a connection first</option></select>;
  if (error) return <span className="error" data-testid={`card-dropdown-error-${field.name}`}>{error}</span>;
  if (!items) return <select disabled aria-label={field.label || field.name}><option>Loading…</option></select>;
  const current = value === undefined ? '' : itemText(value);
  return (
    <select aria-label={field.label || field.name} data-testid={`card-dropdown-${field.name}`} value={current}
      onChange={e => { const item = items.find(i => itemText(i.key) === e.target.value); onChange(item ? item.key : undefined); }}>
      <option value="">(choose)</option>
      {current && !items.some(i => itemText(i.key) === current) && <option value={current}>{current}</option>}
      {items.map(i => <option key={itemText(i.key)} value={itemText(i.key)}>{itemText(i.value)}</option>)}
    </select>
  );
}

function FieldControl({ field, value, onChange }: { field: FieldModel; value: Json | undefined; onChange: (v: Json | undefined) => void }) {
  const label = field.label || field.name;
  if (field.staticOptions.length)
    return (
      <select aria-label={label} value={value === undefined ? '' : itemText(value)} onChange={e => {
        const o = field.staticOptions.find(x => x.value === e.target.value);
        onChange(o ? (typeof value === 'number' || field.type === 'integer' || field.type === 'number' ? Number(o.value) : o.value) : undefined);
      }}>
        <option value="">(none)</option>
        {field.staticOptions.map(o => <option key={o.value} value={o.value}>{o.label || o.value}</option>)}
      </select>
    );
  if (field.type === 'boolean') return <input type="checkbox" aria-label={label} checked={value === true} onChange={e => onChange(e.target.checked)} />;
  if (field.type === 'string' || field.type === 'datetime' || field.type === 'number' || field.type === 'integer')
    return <input aria-label={label} type={field.type === 'string' || field.type === 'datetime' ? 'text' : 'number'} value={value === undefined ? '' : String(value)}
      onChange={e => onChange(e.target.value === '' ? undefined : field.type === 'number' || field.type === 'integer' ? Number(e.target.value) : e.target.value)} />;
  return <JsonControl label={label} value={value} onChange={onChange} />;
}

function JsonControl({ label, value, onChange }: { label: string; value: Json | undefined; onChange: (v: Json | undefined) => void }) {
  const [text, setText] = useState(value === undefined ? '' : JSON.stringify(value));
  const [error, setError] = useState(false);
  return (
    <>
      <textarea aria-label={label} rows={2} value={text} onChange={e => {
        setText(e.target.value);
        if (e.target.value === '') { setError(false); onChange(undefined); return; }
        try { onChange(JSON.parse(e.target.value) as Json); setError(false); } catch { setError(true); }
      }} />
      {error && <span className="field-error">not JSON yet</span>}
    </>
  );
}

export function ConnectorActionEditor({ node }: { node: DesignNode }) {
  const { dispatch } = useStore();
  const api = useMemo(() => createConnectorsApi(), []);
  const [cards, setCards] = useState<ConnectorCardInfo[] | null>(null);
  const [connections, setConnections] = useState<ConnectionInfo[]>([]);
  const [error, setError] = useState<string>();
  const connector = node.data.inputs.connector;
  const action = node.data.inputs.action;
  useEffect(() => {
    api.cards().then(setCards, e => setError((e as Error).message));
    api.connections().then(setConnections, e => setError((e as Error).message));
  }, [api, connector]);
  if (typeof connector !== 'string' || typeof action !== 'string') return null;
  const card = cards?.find(c => c.connector === connector && c.flowId === action);
  if (error) return <p className="error">{error}</p>;
  if (!cards) return <p className="hint">Loading the card…</p>;
  if (!card) return <p className="hint">{`${connector}/${action} is not an action card of an installed connector.`}</p>;
  const connectionId = typeof node.data.inputs.connection === 'string' ? node.data.inputs.connection : '';
  const values = cardValues(node.data.inputs);
  const mine = connections.filter(c => c.connector === connector && c.status !== 'deauthorized');
  const set = (name: string, value: Json | undefined) =>
    dispatch({ kind: 'setInput', nodeId: node.id, name: 'inputs', value: withCardValue(values ?? {}, name, value) });
  return (
    <div className="card-editor-inline" data-testid="connector-action-editor">
      <h4><span className="swatch" style={{ background: card.accentColor ?? '#889' }} /> {card.connectorName}: {card.card.label || card.flowId}</h4>
      {card.card.description && <p className="hint">{card.card.description}</p>}
      <label className="field">Connection<span className="required"> *</span>
        <select aria-label="Connection" data-testid="card-connection" value={connectionId}
          onChange={e => dispatch({ kind: 'setInput', nodeId: node.id, name: 'connection', value: e.target.value || undefined })}>
          <option value="">(choose)</option>
          {connectionId && !mine.some(c => c.id === connectionId) && <option value={connectionId}>{connectionId}</option>}
          {mine.map(c => <option key={c.id} value={c.id}>{c.name}</option>)}
        </select>
        {mine.length === 0 && <span className="hint">No connection for {card.connectorName} yet: create one on the Connectors tab.</span>}
      </label>
      {values === null ? <p className="hint">The card's values are an expression; edit them in “inputs” below.</p> : cardFields(card).map(f => (
        <div key={f.name} className="field" data-testid={`card-input-${f.name}`}>
          <span>{f.label || f.name}{f.required && <span className="required"> *</span>} <span className="hint">{f.role === 'option' ? 'option' : ''}</span></span>
          {!isLiteral(values[f.name]) ? <span className="hint"> an expression (edit it in “inputs” below)</span>
            : f.dynamic ? <DynamicSelect field={f} node={node} connectionId={connectionId} values={values} onChange={v => set(f.name, v)} />
              : <FieldControl field={f} value={values[f.name]} onChange={v => set(f.name, v)} />}
          {f.description && <span className="hint">{f.description}</span>}
        </div>
      ))}
    </div>
  );
}
