// The run form: one field per declared flow input (by type: text, number, checkbox, dropdown, JSON), or raw JSON.
import { useEffect, useState } from 'react';
import { declarationsOf } from '../declarations';
import { controlOf, formToInputs, initialFormValues } from '../runView';
import type { Json } from '../../types';
import { Button, Select } from '../../components/ui';
import { Play } from 'lucide-react';

export function RunForm({ declared, onRun }: { declared: unknown; onRun: (inputs: Record<string, Json>) => void }) {
  const list = declarationsOf(declared).filter(d => typeof d.name === 'string' && d.name !== '');
  const [values, setValues] = useState(() => initialFormValues(declared));
  const [asJson, setAsJson] = useState(list.length === 0);
  const [text, setText] = useState('{}');
  const [errors, setErrors] = useState<string[]>([]);
  const signature = JSON.stringify(list.map(d => [d.name, d.type, d.default, d.options]));
  useEffect(() => setValues(v => ({ ...initialFormValues(declared), ...v })), [signature]); // eslint-disable-line react-hooks/exhaustive-deps

  const submit = () => {
    if (asJson) {
      try {
        const parsed = JSON.parse(text || '{}');
        if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the inputs must be a JSON object');
        setErrors([]);
        onRun(parsed as Record<string, Json>);
      } catch (e) { setErrors([`the run inputs are not a JSON object: ${(e as Error).message}`]); }
      return;
    }
    const { inputs, errors: problems } = formToInputs(declared, values);
    setErrors(problems);
    if (!problems.length) onRun(inputs);
  };

  return (
    <div className="run-form" data-testid="run-form">
      <div className="run-form-head">
        <strong>Inputs</strong>
        <button className="link" onClick={() => {
          if (!asJson) setText(JSON.stringify(formToInputs(declared, values).inputs, null, 2));
          setAsJson(!asJson);
        }}>{asJson ? 'form' : 'JSON'}</button>
      </div>
      {asJson ? (
        <textarea aria-label="run inputs" rows={5} value={text} onChange={e => setText(e.target.value)} />
      ) : list.map(d => {
        const name = d.name as string;
        const control = controlOf(d);
        const value = values[name];
        const set = (v: string | boolean) => setValues({ ...values, [name]: v });
        return (
          <label key={name} className="field run-field">
            <span>{d.label ?? name}{d.required && <span className="required"> *</span>} <span className="input-type">{d.type ?? 'any'}</span></span>
            {control === 'checkbox' ? (
              <input type="checkbox" aria-label={`run input ${name}`} checked={value === true} onChange={e => set(e.target.checked)} />
            ) : control === 'select' ? (
              <Select aria-label={`run input ${name}`} value={String(value ?? '')} onChange={e => set(e.target.value)}>
                <option value="">(none)</option>
                {(d.options ?? []).map((o, i) => <option key={i} value={JSON.stringify(o.value)}>{o.label ?? String(o.value)}</option>)}
              </Select>
            ) : control === 'json' ? (
              <textarea aria-label={`run input ${name}`} rows={2} value={String(value ?? '')} placeholder="JSON" onChange={e => set(e.target.value)} />
            ) : (
              <input aria-label={`run input ${name}`} type={control === 'number' ? 'number' : d.secret ? 'password' : 'text'}
                value={String(value ?? '')} onChange={e => set(e.target.value)} placeholder={d.description} />
            )}
          </label>
        );
      })}
      {errors.map(e => <p key={e} className="field-error" data-testid="run-form-error">{e}</p>)}
      <Button variant="primary" icon={Play} data-testid="run" onClick={submit}>Save and run</Button>
    </div>
  );
}
