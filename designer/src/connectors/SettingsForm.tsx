// Connector settings: name, key, description, icon, accent colour, docs URL, support e-mail, base URL,
// auth kind and its fields, connection parameters.
import { useEffect, useState } from 'react';
import { AUTH_FIELDS, AUTH_KINDS, bumpVersion, emptyParameter, settingsFromManifest, versionProblem, type ParameterForm, type SettingsForm as Form } from './settingsModel';
import type { AuthKind, Manifest, ParameterType } from './types';
import { useCan } from '../session';

function Text({ label, value, onChange, placeholder, type = 'text' }: { label: string; value: string; onChange: (v: string) => void; placeholder?: string; type?: string }) {
  return <label className="field">{label}<input aria-label={label} type={type} value={value} placeholder={placeholder} onChange={e => onChange(e.target.value)} /></label>;
}

function ParameterRow({ p, index, onChange, onRemove }: { p: ParameterForm; index: number; onChange: (p: ParameterForm) => void; onRemove: () => void }) {
  return (
    <tr data-testid={`parameter-${index}`}>
      <td><input aria-label={`parameter ${index + 1} name`} value={p.name} onChange={e => onChange({ ...p, name: e.target.value })} /></td>
      <td><input aria-label={`parameter ${index + 1} label`} value={p.label} onChange={e => onChange({ ...p, label: e.target.value })} /></td>
      <td>
        <select aria-label={`parameter ${index + 1} type`} value={p.type} onChange={e => onChange({ ...p, type: e.target.value as ParameterType })}>
          <option value="text">text</option><option value="password">password</option><option value="dropdown">dropdown</option>
        </select>
      </td>
      <td><input type="checkbox" aria-label={`parameter ${index + 1} required`} checked={p.required} onChange={e => onChange({ ...p, required: e.target.checked })} /></td>
      <td><input aria-label={`parameter ${index + 1} description`} value={p.description} onChange={e => onChange({ ...p, description: e.target.value })} /></td>
      <td>
        {p.type === 'password' ? <span className="hint">never stored in the connector</span> : (
          <input aria-label={`parameter ${index + 1} default`} value={p.default} onChange={e => onChange({ ...p, default: e.target.value })} />
        )}
        {p.type === 'dropdown' && (
          <textarea aria-label={`parameter ${index + 1} options`} rows={2} placeholder={'EU=eu\nUS=us'} value={p.optionsText} onChange={e => onChange({ ...p, optionsText: e.target.value })} />
        )}
      </td>
      <td><button type="button" onClick={onRemove} aria-label={`remove parameter ${index + 1}`}>✕</button></td>
    </tr>
  );
}

export function SettingsForm({ manifest, busy, onSave }: { manifest: Manifest; busy: boolean; onSave: (form: Form) => void }) {
  const [form, setForm] = useState<Form>(() => settingsFromManifest(manifest));
  const can = useCan();
  useEffect(() => setForm(settingsFromManifest(manifest)), [manifest]);
  const set = (patch: Partial<Form>) => setForm(f => ({ ...f, ...patch }));
  const setAuth = (name: string, value: string) => setForm(f => ({ ...f, auth: { ...f.auth, [name]: value } }));
  const setParameter = (i: number, p: ParameterForm) => setForm(f => ({ ...f, parameters: f.parameters.map((q, j) => (j === i ? p : q)) }));
  return (
    <form className="settings-form" data-testid="settings-form" onSubmit={e => { e.preventDefault(); onSave(form); }}>
      <div className="settings-grid">
        <Text label="Name" value={form.name} onChange={name => set({ name })} />
        <Text label="Key" value={form.key} onChange={key => set({ key })} placeholder="lower-case, e.g. acme" />
        <div className="field version-field" data-testid="version-field">
          <label htmlFor="connector-version">Version</label>
          <span className="version-row">
            <input id="connector-version" aria-label="Version" value={form.version} placeholder="1.0.0" onChange={e => set({ version: e.target.value })} />
            {(['patch', 'minor', 'major'] as const).map(part => (
              <button key={part} type="button" data-testid={`bump-${part}`} title={`Next ${part} version: ${bumpVersion(form.version, part)}`}
                onClick={() => set({ version: bumpVersion(form.version, part) })}>+{part}</button>
            ))}
          </span>
          {versionProblem(form.version)
            ? <span className="error" data-testid="version-problem">{versionProblem(form.version)}</span>
            : <span className="hint">The catalog refuses a changed connector under a version it already has: bump it here, save, and submit again (was {manifest.version}).</span>}
        </div>
        <Text label="Base URL" value={form.baseUrl} onChange={baseUrl => set({ baseUrl })} placeholder="https://api.example.com or https://{{connection.instance}}.example.com" />
        <Text label="Icon" value={form.icon} onChange={icon => set({ icon })} placeholder="icon.svg" />
        <label className="field">Accent colour
          <span className="color-row">
            <input type="color" aria-label="Accent colour picker" value={/^#[0-9a-fA-F]{6}$/.test(form.accentColor) ? form.accentColor : '#34405a'} onChange={e => set({ accentColor: e.target.value.toUpperCase() })} />
            <input aria-label="Accent colour" value={form.accentColor} placeholder="#RRGGBB" onChange={e => set({ accentColor: e.target.value })} />
          </span>
        </label>
        <Text label="Documentation URL" value={form.documentationUrl} onChange={documentationUrl => set({ documentationUrl })} placeholder="https://…" />
        <Text label="Support e-mail" value={form.supportEmail} onChange={supportEmail => set({ supportEmail })} />
      </div>
      <label className="field">Description<textarea aria-label="Description" rows={2} value={form.description} onChange={e => set({ description: e.target.value })} /></label>

      <h4>Authentication</h4>
      <label className="field">Auth kind
        <select aria-label="Auth kind" value={form.authKind} onChange={e => set({ authKind: e.target.value as AuthKind })}>
          {AUTH_KINDS.map(k => <option key={k.kind} value={k.kind}>{k.label}</option>)}
        </select>
      </label>
      <div className="settings-grid">
        {AUTH_FIELDS[form.authKind].map(f => f.control === 'checkbox' ? (
          <label key={f.name} className="field checkbox"><input type="checkbox" aria-label={f.label} checked={form.auth[f.name] === 'true'} onChange={e => setAuth(f.name, e.target.checked ? 'true' : '')} /> {f.label}</label>
        ) : f.control === 'select' ? (
          <label key={f.name} className="field">{f.label}
            <select aria-label={f.label} value={form.auth[f.name] ?? ''} onChange={e => setAuth(f.name, e.target.value)}>
              <option value="">(default)</option>
              {f.choices!.map(c => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
        ) : <Text key={f.name} label={f.label} value={form.auth[f.name] ?? ''} placeholder={f.placeholder} onChange={v => setAuth(f.name, v)} />)}
      </div>

      <h4>Connection parameters</h4>
      <p className="hint">What someone fills in to create a connection. Password values are encrypted and never shown again.</p>
      <table className="parameters">
        <thead><tr><th>name</th><th>label</th><th>type</th><th>required</th><th>description</th><th>default / options</th><th /></tr></thead>
        <tbody>
          {form.parameters.map((p, i) => (
            <ParameterRow key={i} p={p} index={i} onChange={q => setParameter(i, q)} onRemove={() => set({ parameters: form.parameters.filter((_, j) => j !== i) })} />
          ))}
        </tbody>
      </table>
      <button type="button" onClick={() => set({ parameters: [...form.parameters, emptyParameter()] })}>Add parameter</button>
      <div className="form-actions">
        {can('connectors.write') && <button type="submit" disabled={busy || !!versionProblem(form.version)} data-testid="save-settings">Save settings</button>}
        <button type="button" onClick={() => setForm(settingsFromManifest(manifest))}>Revert</button>
      </div>
    </form>
  );
}

export interface NewConnectorValues { key: string; name: string; baseUrl: string; authKind: AuthKind; auth: Record<string, string>; authPingPath: string }

export function NewConnectorForm({ busy, onCreate, onCancel }: { busy: boolean; onCreate: (v: NewConnectorValues) => void; onCancel: () => void }) {
  const [v, setV] = useState<NewConnectorValues>({ key: '', name: '', baseUrl: 'https://', authKind: 'apiKey', auth: {}, authPingPath: '/' });
  return (
    <form className="settings-form" data-testid="new-connector-form" onSubmit={e => { e.preventDefault(); onCreate(v); }}>
      <h3>New connector</h3>
      <p className="hint">Starts with the standard flows: httpHelper, _authping (Test connection) and the Custom API Action.</p>
      <Text label="Key" value={v.key} onChange={key => setV({ ...v, key })} placeholder="lower-case, e.g. acme" />
      <Text label="Name" value={v.name} onChange={name => setV({ ...v, name })} />
      <Text label="Base URL" value={v.baseUrl} onChange={baseUrl => setV({ ...v, baseUrl })} />
      <label className="field">Auth kind
        <select aria-label="Auth kind" value={v.authKind} onChange={e => setV({ ...v, authKind: e.target.value as AuthKind })}>
          {AUTH_KINDS.map(k => <option key={k.kind} value={k.kind}>{k.label}</option>)}
        </select>
      </label>
      {AUTH_FIELDS[v.authKind].filter(f => f.control === 'text').map(f => (
        <Text key={f.name} label={f.label} value={v.auth[f.name] ?? ''} placeholder={f.placeholder} onChange={x => setV({ ...v, auth: { ...v.auth, [f.name]: x } })} />
      ))}
      {v.authKind !== 'none' && <Text label="Test connection path" value={v.authPingPath} onChange={authPingPath => setV({ ...v, authPingPath })} placeholder="/me" />}
      <div className="form-actions">
        <button type="submit" disabled={busy} data-testid="create-connector">Create connector</button>
        <button type="button" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
