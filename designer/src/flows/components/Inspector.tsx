import { useContext, useEffect, useMemo, useState, type DragEvent } from 'react';
import { EXPRESSION_DRAG_TYPE } from '../../components/JsonView';
import { scopeOf, type CompletionScope } from '../completion';
import { CodeEditor } from '../../editor/CodeEditor';
import type { DesignNode } from '../flowJson';
import { convertMode, inputMode, inputText, makeInputValue, type InputMode } from '../inputs';
import { DescriptorsContext, PreviewContext, useStore } from '../store';
import type { InputDescriptor, Json } from '../../types';
import { CONNECTOR_ACTION } from '../../connectors/cardNode';
import { ConnectorActionEditor } from '../../connectors/ConnectorActionEditor';
import { CardStepEditor, useCardMappedInput } from '../../connectors/CardStepEditor';
import { DeclarationsEditor, ValueTypes } from './DeclarationsEditor';
import { ErrorFlowPicker } from './ErrorFlowPicker';
import { ErrorPolicyEditor } from './ErrorPolicyEditor';
import { Button, Modal, Select, Tabs } from '../../components/ui';
import { Maximize2, PanelTop } from 'lucide-react';

/** A JavaScript expression for an input's value (what Run JavaScript's code sees as `args`). */
function asExpression(value: Json | undefined): string {
  if (value === undefined) return 'undefined';
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1 && typeof (value as { js?: unknown }).js === 'string')
    return `(${(value as { js: string }).js})`;
  return JSON.stringify(value);
}

const MODE_TABS: { id: InputMode; label: string; title: string }[] = [
  { id: 'literal', label: 'Literal', title: 'A fixed value' },
  { id: 'js', label: 'Expression', title: 'A JavaScript expression: input., vars., nodes.<id>.' },
  { id: 'template', label: 'Template', title: 'Text with {{ }} placeholders (Scriban)' },
];

/** How a literal is edited: code (Run JavaScript's code, a template input), JSON (objects, lists), or plain text. */
function literalEditor(input: InputDescriptor): 'javascript' | 'template' | 'json' | 'text' {
  if (input.editor === 'javascript') return 'javascript';
  if (input.editor === 'template') return 'template';
  if (input.editor === 'json' || input.type === 'object' || input.type === 'array') return 'json';
  return 'text';
}

function jsonProblem(text: string): string | undefined {
  if (text.trim() === '') return undefined;
  try { JSON.parse(text); return undefined; } catch (e) { return (e as Error).message; }
}

function InputEditor({ nodeId, input, value, scope, args }: { nodeId: string; input: InputDescriptor; value: Json | undefined; scope: CompletionScope; args?: Json }) {
  const { dispatch } = useStore();
  const [mode, setMode] = useState<InputMode>(inputMode(value));
  const [text, setText] = useState(inputText(value, input.type));
  /** A mode switch that would change what the value means, waiting for a yes. */
  const [pending, setPending] = useState<InputMode>();
  const [big, setBig] = useState(false);
  // Re-sync when another node is selected or the value changes elsewhere (undo, load).
  useEffect(() => {
    if (JSON.stringify(makeInputValue(mode, text, input.type)) === JSON.stringify(value)) return;
    setMode(inputMode(value));
    setText(inputText(value, input.type));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change of the value re-syncs
  }, [nodeId, value, input.type]);
  const commit = (m: InputMode, t: string) => dispatch({ kind: 'setInput', nodeId, name: input.name, value: makeInputValue(m, t, input.type) });
  const switchTo = (m: InputMode, force = false) => {
    const converted = convertMode(mode, m, text, input.type);
    if (converted === undefined && !force) { setPending(m); return; }
    const next = converted ?? text;
    setPending(undefined);
    setMode(m);
    setText(next);
    commit(m, next);
  };
  // A field dragged from the node details' input data: the input becomes that JavaScript expression.
  const accepts = (e: DragEvent) => e.dataTransfer.types.includes(EXPRESSION_DRAG_TYPE);
  const onDrop = (e: DragEvent) => {
    if (!accepts(e)) return;
    e.preventDefault();
    const path = e.dataTransfer.getData(EXPRESSION_DRAG_TYPE);
    setMode('js');
    setText(path);
    commit('js', path);
  };
  const literal = literalEditor(input);
  const onText = (t: string) => { setText(t); commit(mode, t); };
  const codeMode = mode === 'js' ? 'js' : mode === 'template' ? 'template' : literal === 'javascript' ? 'js' : literal === 'template' ? 'template' : 'json';
  const isCode = mode !== 'literal' || literal !== 'text';
  const problem = mode === 'literal' && literal === 'json' ? jsonProblem(text) : undefined;
  const editorProps = {
    mode: codeMode as 'js' | 'template' | 'json', value: text, scope, onChange: onText,
    functionBody: mode === 'literal' && literal === 'javascript',
    placeholder: mode === 'js' ? 'a JavaScript expression: input., vars., nodes.<id>.' : mode === 'template' ? 'a template: {{ input.name }}'
      : literal === 'javascript' ? 'JavaScript: return a value; args, input., vars., nodes.<id>.' : literal === 'json' ? 'JSON' : undefined,
  };
  return (
    <div className="input-editor" data-testid={`input-${input.name}`}
      onDragOver={e => { if (accepts(e)) { e.preventDefault(); e.dataTransfer.dropEffect = 'copy'; } }} onDrop={onDrop}>
      <div className="input-head">
        <label>
          {input.displayName || input.name}
          {input.required && <span className="required" title="required"> *</span>}
          <span className="input-type">{input.type}</span>
        </label>
        <Tabs segmented label={`${input.name} mode`} active={mode} onChange={m => switchTo(m)}
          tabs={MODE_TABS.map(t => ({ ...t, testId: `mode-${input.name}-${t.id}` }))} />
      </div>
      {pending && (
        <div className="mode-confirm" role="alert" data-testid={`mode-confirm-${input.name}`}>
          <span>Switch to {MODE_TABS.find(t => t.id === pending)!.label.toLowerCase()}? The text stays, but it will mean something else.</span>
          <Button small onClick={() => switchTo(pending, true)} data-testid={`mode-confirm-yes-${input.name}`}>Switch</Button>
          <Button small variant="ghost" onClick={() => setPending(undefined)}>Keep {MODE_TABS.find(t => t.id === mode)!.label.toLowerCase()}</Button>
        </div>
      )}
      {mode === 'literal' && input.options ? (
        <Select value={text} aria-label={input.name} onChange={e => onText(e.target.value)}>
          <option value="">(none)</option>
          {input.options.map(o => <option key={o} value={o}>{o}</option>)}
        </Select>
      ) : isCode ? (
        <>
          <CodeEditor key={`${mode}/${codeMode}`} {...editorProps} ariaLabel={input.name} />
          {literal === 'javascript' && mode === 'literal' && (
            <Button small icon={Maximize2} className="code-expand" data-testid={`open-editor-${input.name}`} onClick={() => setBig(true)}
              title="A full, resizable editor with completion">Open editor</Button>
          )}
          {problem && <div className="json-problem" data-testid="json-problem">not JSON: {problem} (kept as text)</div>}
        </>
      ) : (
        <textarea
          aria-label={input.name}
          value={text}
          rows={input.editor === 'multiline' ? 3 : 1}
          placeholder={input.default !== undefined && input.default !== null ? `default: ${JSON.stringify(input.default)}` : input.description}
          onChange={e => onText(e.target.value)}
        />
      )}
      {(mode !== 'literal' || input.editor === 'javascript' || input.editor === 'template') && text.trim() !== '' && (
        <ExpressionPreview expression={mode === 'template' || (mode === 'literal' && input.editor === 'template') ? { template: text } : mode === 'js' ? { js: text } : { js: `(function (args) {${text}\n})(${asExpression(args)})` }} />
      )}
      {big && (
        <Modal resizable label={`${input.displayName || input.name} editor`} testId="code-modal" onClose={() => setBig(false)}
          title={<>{input.displayName || input.name} <code>{nodeId}</code></>}
          footer={<Button variant="primary" onClick={() => setBig(false)} data-testid="code-modal-done">Done</Button>}>
          <div className="big-editor">
            <CodeEditor {...editorProps} ariaLabel={`${input.name} (full editor)`} big />
          </div>
          {text.trim() !== '' && <ExpressionPreview expression={{ js: `(function (args) {${text}\n})(${asExpression(args)})` }} />}
        </Modal>
      )}
    </div>
  );
}

/** The input's value against the last run's data, as you type (debounced), or the error it gives. */
function ExpressionPreview({ expression }: { expression: { js: string } | { template: string } }) {
  const evaluate = useContext(PreviewContext);
  const [result, setResult] = useState<{ value?: Json; error?: string }>();
  const key = JSON.stringify(expression);
  useEffect(() => {
    if (!evaluate) return;
    let current = true;
    const timer = setTimeout(() => {
      evaluate(expression).then(r => { if (current) setResult(r); }, e => { if (current) setResult({ error: (e as Error).message }); });
    }, 300);
    return () => { current = false; clearTimeout(timer); };
  }, [key, evaluate]); // eslint-disable-line react-hooks/exhaustive-deps
  if (!evaluate) return null;
  if (!result) return <div className="preview pending" data-testid="preview">…</div>;
  return result.error !== undefined
    ? <div className="preview error" data-testid="preview" title="evaluated against the last run's data">⚠ {result.error.replace(/^input 'value': /, '')}</div>
    : <div className="preview" data-testid="preview" title="evaluated against the last run's data">= {JSON.stringify(result.value ?? null).slice(0, 300)}</div>;
}

/** A node that sets flow outputs the flow does not declare: one click declares each (as `any`). */
function UndeclaredOutputs({ nodeId }: { nodeId: string }) {
  const { state, dispatch } = useStore();
  const names = [...new Set(state.problems
    .filter(p => p.nodeId === nodeId && p.code === 'UNDECLARED_OUTPUT')
    .map(p => /output '([^']+)' is not declared/.exec(p.message)?.[1])
    .filter((n): n is string => !!n))];
  if (names.length === 0) return null;
  const declare = (name: string) => {
    const outputs = Array.isArray(state.design.meta.rest.outputs) ? state.design.meta.rest.outputs : [];
    dispatch({ kind: 'setMeta', rest: { ...state.design.meta.rest, outputs: [...outputs, { name, type: 'any' }] } });
  };
  return (
    <div className="quick-fixes">
      {names.map(name => (
        <div key={name} className="quick-fix" data-testid={`undeclared-${name}`}>
          <span>The flow does not declare the output <code>{name}</code>.</span>
          <Button small variant="primary" data-testid={`declare-output-${name}`} onClick={() => declare(name)}>Declare it</Button>
        </div>
      ))}
    </div>
  );
}

function NodeIdField({ id }: { id: string }) {
  const { dispatch } = useStore();
  const [text, setText] = useState(id);
  useEffect(() => setText(id), [id]);
  const commit = () => { if (text !== id) dispatch({ kind: 'renameNode', from: id, to: text }); };
  return (
    <label className="field">id
      <input aria-label="node id" value={text} onChange={e => setText(e.target.value)} onBlur={commit} onKeyDown={e => { if (e.key === 'Enter') commit(); }} />
    </label>
  );
}

export function Inspector({ node }: { node: DesignNode | undefined }) {
  const { state, dispatch } = useStore();
  const descriptors = useContext(DescriptorsContext);
  const scope = useMemo(() => scopeOf(state.design, descriptors), [state.design.meta, state.design.nodes, descriptors]); // eslint-disable-line react-hooks/exhaustive-deps
  const mappedInput = useCardMappedInput(node);
  if (!node) {
    const meta = state.design.meta;
    const setRest = (key: string) => (v: unknown) => dispatch({ kind: 'setMeta', rest: { ...meta.rest, [key]: v } });
    return (
      <aside className="inspector" data-testid="flow-inspector">
        <h3>Flow</h3>
        <label className="field">id<input aria-label="flow id" value={meta.id} onChange={e => dispatch({ kind: 'setMeta', id: e.target.value })} /></label>
        <label className="field">name<input aria-label="flow name" value={meta.name ?? ''} onChange={e => dispatch({ kind: 'setMeta', name: e.target.value })} /></label>
        <DeclarationsEditor kind="inputs" value={meta.rest.inputs} onChange={setRest('inputs')} />
        <DeclarationsEditor kind="outputs" value={meta.rest.outputs} onChange={setRest('outputs')} />
        <DeclarationsEditor kind="variables" value={meta.rest.variables} onChange={setRest('variables')} />
        <ErrorFlowPicker />
        <ValueTypes />
        <p className="hint">Select a node to edit it. Shift-drag selects several; Delete removes.</p>
      </aside>
    );
  }
  const descriptor = state.descriptors.find(d => d.type === node.data.type);
  return (
    <aside className="inspector" data-testid="node-inspector">
      <h3>{descriptor?.displayName ?? node.data.type}</h3>
      {descriptor?.description && <p className="hint">{descriptor.description}</p>}
      {state.details !== node.id && (
        <Button icon={PanelTop} className="details-open" data-testid="open-details" onClick={() => dispatch({ kind: 'details', nodeId: node.id })}
          title="Input data, settings and output side by side; Test step and Pin (or double-click the node)">Open details (data, test step, pin)</Button>
      )}
      <NodeIdField id={node.id} />
      <label className="field">name<input aria-label="node name" value={node.data.name ?? ''} onChange={e => dispatch({ kind: 'patchNode', nodeId: node.id, patch: { name: e.target.value || undefined } })} /></label>
      {node.data.type === CONNECTOR_ACTION && <ConnectorActionEditor node={node} />}
      {/* On a connector card's canvas: calls of the connector's flows and Return map field by field. */}
      <CardStepEditor node={node} />
      {descriptor?.inputs.filter(input => input.name !== mappedInput).map(input => <InputEditor key={`${node.id}/${input.name}`} nodeId={node.id} input={input} value={node.data.inputs[input.name]} scope={scope} args={node.data.inputs.args} />)}
      <UndeclaredOutputs nodeId={node.id} />
      {descriptor && !descriptor.trigger && <ErrorPolicyEditor node={node} />}
      {descriptor && descriptor.outputs.length > 0 && (
        <p className="hint">Outputs: {descriptor.outputs.map(o => `nodes.${node.id}.${o.name}`).join(', ')}</p>
      )}
    </aside>
  );
}
