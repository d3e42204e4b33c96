// On a card's canvas, the inspector maps values field by field instead of a JSON object: a CallFlow node calling a
// flow of the connector (httpHelper's relative_url, request_method, query, headers, body) gets one row per input
// the called flow declares, and a Return node one row per output the card declares. Each row is a literal, a
// JavaScript expression or a template; a field dragged from the node details' input data becomes its expression.
import { createContext, useContext, useEffect, useMemo, useState, type DragEvent } from 'react';
import { scopeOf } from '../flows/completion';
import { EXPRESSION_DRAG_TYPE } from '../components/JsonView';
import { CodeEditor } from '../editor/CodeEditor';
import type { DesignNode } from '../flows/flowJson';
import { inputMode, inputText, makeInputValue, type InputMode } from '../flows/inputs';
import { DescriptorsContext, useStore } from '../flows/store';
import type { Json } from '../types';
import type { ConnectorSource, FlowParameterJson } from './types';

/** The connector whose card the canvas edits; absent on the Flows tab (the editor then shows nothing). */
export const CardCanvasContext = createContext<ConnectorSource | null>(null);

type Fields = { [name: string]: Json };

function isPlainObject(v: Json | undefined): v is Fields {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && inputMode(v) === 'literal';
}

/** What the step maps: the node input holding the object, and the fields it has (declared by the called flow or the card). */
export function mappedFields(node: DesignNode, source: ConnectorSource, declaredOutputs: FlowParameterJson[]): { input: string; title: string; fields: FlowParameterJson[] } | null {
  if (node.data.type === 'CallFlow') {
    const target = node.data.inputs.flowId;
    const called = typeof target === 'string' ? source.flows.find(f => f.id === target) : undefined;
    if (!called) return null;
    return { input: 'inputs', title: `Inputs of ${called.id}`, fields: called.inputs ?? [] };
  }
  if (node.data.type === 'Return') return { input: 'outputs', title: 'Card outputs', fields: declaredOutputs };
  return null;
}

function FieldRow({ nodeId, field, value, onChange }: { nodeId: string; field: FlowParameterJson; value: Json | undefined; onChange: (v: Json | undefined) => void }) {
  const { state } = useStore();
  const descriptors = useContext(DescriptorsContext);
  const scope = useMemo(() => scopeOf(state.design, descriptors), [state.design.meta, state.design.nodes, descriptors]); // eslint-disable-line react-hooks/exhaustive-deps
  const type = field.type ?? 'any';
  const [mode, setMode] = useState<InputMode>(inputMode(value));
  const [text, setText] = useState(inputText(value, type));
  useEffect(() => {
    if (JSON.stringify(makeInputValue(mode, text, type)) === JSON.stringify(value)) return;
    setMode(inputMode(value));
    setText(inputText(value, type));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change of the value re-syncs
  }, [nodeId, value, type]);
  const commit = (m: InputMode, t: string) => onChange(makeInputValue(m, t, type));
  const accepts = (e: DragEvent) => e.dataTransfer.types.includes(EXPRESSION_DRAG_TYPE);
  const label = field.label || field.name;
  const options = (field.options ?? []).map(o => String(o.value));
  return (
    <div className="input-editor mapping-row" data-testid={`map-${field.name}`}
      onDragOver={e => { if (accepts(e)) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } }}
      onDrop={e => {
        if (!accepts(e)) return;
        e.preventDefault();
        const path = e.dataTransfer.getData(EXPRESSION_DRAG_TYPE);
        setMode('js'); setText(path); commit('js', path);
      }}>
      <label>{label}{field.required && <span className="required" title="required"> *</span>}<span className="input-type">{type}</span></label>
      <select value={mode} aria-label={`${field.name} mode`} onChange={e => { const m = e.target.value as InputMode; setMode(m); commit(m, text); }}>
        <option value="literal">literal</option>
        <option value="js">JavaScript</option>
        <option value="template">template</option>
      </select>
      {mode !== 'literal' ? (
        <CodeEditor key={mode} mode={mode} value={text} scope={scope} ariaLabel={`map ${field.name}`}
          placeholder={mode === 'js' ? 'input.x, nodes.<id>.…' : '/path/{{ input.x }}'} onChange={t => { setText(t); commit(mode, t); }} />
      ) : options.length ? (
        <select aria-label={`map ${field.name}`} value={text} onChange={e => { setText(e.target.value); commit(mode, e.target.value); }}>
          <option value="">(none)</option>
          {options.map(o => <option key={o} value={o}>{o}</option>)}
        </select>
      ) : (
        <input aria-label={`map ${field.name}`} value={text} placeholder={field.description ?? ''}
          onChange={e => { setText(e.target.value); commit(mode, e.target.value); }} />
      )}
    </div>
  );
}

/** The node input the card step editor maps field by field (the inspector then leaves out its JSON editor); null elsewhere. */
export function useCardMappedInput(node: DesignNode | undefined): string | null {
  const source = useContext(CardCanvasContext);
  const { state } = useStore();
  if (!source || !node) return null;
  const mapped = mappedFields(node, source, (state.design.meta.rest.outputs as FlowParameterJson[] | undefined) ?? []);
  const current = mapped ? node.data.inputs[mapped.input] : undefined;
  return mapped && (current === undefined || isPlainObject(current)) ? mapped.input : null;
}

export function CardStepEditor({ node }: { node: DesignNode }) {
  const source = useContext(CardCanvasContext);
  const { state, dispatch } = useStore();
  if (!source) return null;
  const declaredOutputs = (state.design.meta.rest.outputs as FlowParameterJson[] | undefined) ?? [];
  const mapped = mappedFields(node, source, declaredOutputs);
  if (!mapped) return null;
  const current = node.data.inputs[mapped.input];
  if (current !== undefined && !isPlainObject(current))
    return <p className="hint">{mapped.title}: an expression (edit it in “{mapped.input}” below).</p>;
  const values: Fields = (current as Fields | undefined) ?? {};
  const set = (name: string, v: Json | undefined) => {
    const next = { ...values };
    if (v === undefined) delete next[name]; else next[name] = v;
    dispatch({ kind: 'setInput', nodeId: node.id, name: mapped.input, value: next });
  };
  const extra = Object.keys(values).filter(k => !mapped.fields.some(f => f.name === k));
  return (
    <div className="card-step-editor" data-testid="card-step-editor">
      <h4>{mapped.title}</h4>
      {mapped.fields.length === 0 && <p className="hint">{node.data.type === 'Return' ? 'The card declares no outputs yet: add them in the card panel (click the canvas).' : 'The called flow declares no inputs.'}</p>}
      {mapped.fields.map(f => <FieldRow key={`${node.id}/${f.name}`} nodeId={node.id} field={f} value={values[f.name]} onChange={v => set(f.name, v)} />)}
      {extra.length > 0 && <p className="hint" data-testid="undeclared-mapped">Also set, not declared: {extra.join(', ')}</p>}
    </div>
  );
}
