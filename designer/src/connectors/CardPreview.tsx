// The card as a user of the connector sees it when adding it to a flow: options, inputs, outputs.
import type { CardModel, PreviewField } from './cardModel';
import { cardPreview } from './cardModel';

function Control({ field }: { field: PreviewField }) {
  switch (field.control) {
    case 'select':
      return (
        <select disabled aria-label={field.label}>
          <option>Choose…</option>
          {field.choices.map(c => <option key={c.value} value={c.value}>{c.label}</option>)}
        </select>
      );
    case 'dynamic':
      return (
        <select disabled aria-label={field.label} data-testid={`preview-dynamic-${field.name}`}>
          <option>
            {`Loaded from ${field.source} with the connection${field.dependsOn.length ? ` after ${field.dependsOn.join(', ')}` : ''}`}
          </option>
        </select>
      );
    case 'checkbox': return <input type="checkbox" disabled aria-label={field.label} />;
    case 'number': return <input type="number" disabled aria-label={field.label} />;
    case 'datetime': return <input type="datetime-local" disabled aria-label={field.label} />;
    case 'json': return <textarea disabled rows={2} aria-label={field.label} placeholder="{ … }" />;
    default: return <input type="text" disabled aria-label={field.label} />;
  }
}

function Fields({ title, fields }: { title: string; fields: PreviewField[] }) {
  if (!fields.length) return null;
  return (
    <section>
      <h5>{title}</h5>
      {fields.map(f => (
        <div key={f.name} className="preview-field" data-testid={`preview-field-${f.name}`}>
          <div className="preview-label">
            {f.label}{f.required && <span className="required" title="required"> *</span>}
            <span className="preview-type">{f.typeLabel}</span>
          </div>
          <Control field={f} />
          {f.description && <div className="hint">{f.description}</div>}
        </div>
      ))}
    </section>
  );
}

export function CardPreview({ model, connectorName, accentColor }: { model: CardModel; connectorName: string; accentColor?: string }) {
  const p = cardPreview(model);
  return (
    <div className="card-preview" data-testid="card-preview">
      <div className="card-preview-head" style={{ background: accentColor || '#34405a' }}>
        <span className="card-preview-connector">{connectorName} · {p.kindLabel}</span>
        <strong data-testid="preview-title">{p.title}</strong>
      </div>
      <div className="card-preview-body">
        {p.description && <p className="hint">{p.description}</p>}
        <Fields title="Options" fields={p.options} />
        <Fields title="Inputs" fields={p.inputs} />
        {p.outputs.length > 0 && (
          <section>
            <h5>Outputs</h5>
            <ul className="preview-outputs">
              {p.outputs.map(o => <li key={o.name} data-testid={`preview-output-${o.name}`}>{o.label} <span className="preview-type">{o.typeLabel}</span></li>)}
            </ul>
          </section>
        )}
        {!p.options.length && !p.inputs.length && !p.outputs.length && <p className="hint">This card has no fields yet.</p>}
      </div>
    </div>
  );
}
