// Forms for the flow's declared inputs, outputs and variables (name, type, label, description, required, secret,
// default, dropdown options), with the validation messages of declarations.ts; a JSON view edits the raw list.
import { useEffect, useState } from 'react';
import {
  addDeclaration, BASE_TYPES, declarationsOf, fieldsOf, moveDeclaration, parseValue, removeDeclaration, setField,
  validateDeclarations, valueText, type Declaration, type DeclarationKind, type DropdownOption,
} from '../declarations';

function ValueField({ label, value, type, onChange }: { label: string; value: unknown; type?: string; onChange: (v: unknown) => void }) {
  const [text, setText] = useState(valueText(value as never, type));
  useEffect(() => {
    if (JSON.stringify(parseValue(text, type)) !== JSON.stringify(value)) setText(valueText(value as never, type));
    // eslint-disable-next-line react-hooks/exhaustive-deps -- only an outside change re-syncs
  }, [value, type]);
  return <input aria-label={label} value={text} placeholder={type === 'string' ? 'text' : 'JSON'}
    onChange={e => { setText(e.target.value); onChange(parseValue(e.target.value, type)); }} />;
}

function OptionsField({ prefix, options, type, onChange }: { prefix: string; options: DropdownOption[]; type?: string; onChange: (o: DropdownOption[] | undefined) => void }) {
  const set = (j: number, key: string, v: unknown) => onChange(options.map((o, k) => {
    if (k !== j) return o;
    const next = { ...o };
    if (v === undefined) delete next[key]; else next[key] = v;
    return next;
  }));
  return (
    <div className="decl-options">
      <span className="decl-sub">dropdown options</span>
      {options.map((o, j) => (
        <div className="decl-option" key={j}>
          <input aria-label={`${prefix} option ${j + 1} label`} placeholder="label" value={typeof o.label === 'string' ? o.label : ''}
            onChange={e => set(j, 'label', e.target.value === '' ? undefined : e.target.value)} />
          <ValueField label={`${prefix} option ${j + 1} value`} value={o.value} type={type} onChange={v => set(j, 'value', v)} />
          <button title="remove the option" aria-label={`${prefix} remove option ${j + 1}`}
            onClick={() => { const rest = options.filter((_, k) => k !== j); onChange(rest.length ? rest : undefined); }}>×</button>
        </div>
      ))}
      <button onClick={() => onChange([...options, { label: '', value: '' }])} aria-label={`${prefix} add option`}>+ option</button>
    </div>
  );
}

/** The type suggestions the type fields offer (rendered once by the inspector). */
export function ValueTypes() {
  return (
    <datalist id="fc-value-types">
      {[...BASE_TYPES, ...BASE_TYPES.filter(t => t !== 'array').map(t => `array<${t}>`)].map(t => <option key={t} value={t} />)}
    </datalist>
  );
}

export function DeclarationsEditor({ kind, value, onChange }: { kind: DeclarationKind; value: unknown; onChange: (list: Declaration[]) => void }) {
  const list = declarationsOf(value);
  const [asJson, setAsJson] = useState(false);
  const [jsonText, setJsonText] = useState('');
  const [jsonError, setJsonError] = useState<string>();
  const problems = validateDeclarations(list, kind);
  const fields = new Set(fieldsOf(kind));
  return (
    <section className="declarations" data-testid={`declarations-${kind}`}>
      <h4>
        {kind} <span className="decl-count">({list.length})</span>
        <button className="link" onClick={() => { setAsJson(!asJson); setJsonText(JSON.stringify(list, null, 2)); setJsonError(undefined); }}>
          {asJson ? 'form' : 'JSON'}
        </button>
      </h4>
      {asJson ? (
        <label className="field">
          <textarea aria-label={`${kind} JSON`} rows={6} value={jsonText} onChange={e => {
            setJsonText(e.target.value);
            try {
              const parsed = JSON.parse(e.target.value);
              if (!Array.isArray(parsed)) throw new Error(`${kind} must be a list`);
              setJsonError(undefined);
              onChange(parsed);
            } catch (x) { setJsonError((x as Error).message); }
          }} />
          {jsonError && <span className="field-error">{jsonError}</span>}
        </label>
      ) : (
        <>
          {list.map((d, i) => {
            const prefix = `${kind}[${i}]`;
            const set = (field: string, v: unknown) => onChange(setField(list, i, field, v));
            return (
              <fieldset className="decl" key={i} data-testid={`decl-${kind}-${i}`}>
                <div className="decl-row">
                  <input aria-label={`${prefix} name`} className="decl-name" value={typeof d.name === 'string' ? d.name : ''} placeholder="name"
                    onChange={e => set('name', e.target.value)} />
                  <input aria-label={`${prefix} type`} className="decl-type" list="fc-value-types" value={typeof d.type === 'string' ? d.type : ''} placeholder="any"
                    onChange={e => set('type', e.target.value)} />
                  <button title="move up" aria-label={`${prefix} move up`} onClick={() => onChange(moveDeclaration(list, i, -1))} disabled={i === 0}>↑</button>
                  <button title="remove" aria-label={`${prefix} remove`} onClick={() => onChange(removeDeclaration(list, i))}>×</button>
                </div>
                {fields.has('label') && (
                  <input aria-label={`${prefix} label`} placeholder="label" value={typeof d.label === 'string' ? d.label : ''} onChange={e => set('label', e.target.value)} />
                )}
                {fields.has('description') && (
                  <input aria-label={`${prefix} description`} placeholder="description" value={typeof d.description === 'string' ? d.description : ''} onChange={e => set('description', e.target.value)} />
                )}
                {fields.has('required') && (
                  <div className="decl-flags">
                    <label><input type="checkbox" aria-label={`${prefix} required`} checked={d.required === true} onChange={e => set('required', e.target.checked)} /> required</label>
                    <label><input type="checkbox" aria-label={`${prefix} secret`} checked={d.secret === true} onChange={e => set('secret', e.target.checked)} /> secret</label>
                  </div>
                )}
                <label className="decl-default">default <ValueField label={`${prefix} default`} value={d.default} type={d.type} onChange={v => set('default', v)} /></label>
                {fields.has('options') && (
                  <OptionsField prefix={prefix} options={Array.isArray(d.options) ? d.options : []} type={d.type} onChange={o => set('options', o)} />
                )}
                {problems.filter(p => p.index === i).map(p => (
                  <span key={p.message} className="field-error" data-testid="declaration-problem">{p.message}</span>
                ))}
              </fieldset>
            );
          })}
          <button onClick={() => onChange(addDeclaration(list, kind))} data-testid={`add-${kind}`}>+ {kind === 'variables' ? 'variable' : kind.slice(0, -1)}</button>
        </>
      )}
    </section>
  );
}
