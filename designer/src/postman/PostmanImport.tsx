// The Import workspace: upload a Postman collection, preview the actions it becomes, save (install) the connector.
import { SignInPrompt } from '../access/SignInPrompt';
import './postman.css';
import { useMemo, useState } from 'react';
import { createPostmanApi, groupActions, ImportError, type ImportPreview } from './postmanApi';

export function PostmanImport() {
  const api = useMemo(() => createPostmanApi(), []);
  const [fileName, setFileName] = useState('');
  const [text, setText] = useState<string | null>(null);
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<ImportPreview | null>(null);
  const [saved, setSaved] = useState<ImportPreview | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function run(action: 'preview' | 'save') {
    if (text === null) return;
    setBusy(true);
    setError(null);
    try {
      const result = await api[action](text, name);
      setPreview(result);
      setSaved(action === 'save' ? result : null);
    } catch (e) {
      setError(e instanceof ImportError ? e.message : String(e));
      if (action === 'preview') setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  async function onFile(file: File | undefined) {
    setPreview(null);
    setSaved(null);
    setError(null);
    if (!file) { setText(null); setFileName(''); return; }
    setFileName(file.name);
    setText(await file.text());
  }

  return (
    <div className="postman-import" data-testid="postman-import">
      <h2>Import a Postman collection</h2>
      <SignInPrompt to="to import a collection" />
      <p className="hint">Collection v2.1 or v2.0. Each request becomes an action card calling the connector's httpHelper;
        folders become card groups; saved example responses become the card's outputs and offline tests.</p>
      <div className="postman-form">
        <label>Collection file <input type="file" accept=".json,application/json" data-testid="postman-file"
          onChange={e => void onFile(e.target.files?.[0])} /></label>
        <label>Connector name <input type="text" placeholder="(the collection's name)" value={name} data-testid="postman-name"
          onChange={e => { setName(e.target.value); setSaved(null); }} /></label>
        <button disabled={text === null || busy} data-testid="postman-preview" onClick={() => void run('preview')}>Preview</button>
        <button disabled={preview === null || busy} data-testid="postman-save" onClick={() => void run('save')}>
          {preview && !preview.changes.isNew ? 'Update connector' : 'Save connector'}</button>
      </div>
      {fileName && <div className="hint">{fileName}</div>}
      {error && <pre className="postman-error" data-testid="postman-error">{error}</pre>}
      {saved && (
        <div className="postman-saved" data-testid="postman-message">
          Installed {saved.key} {saved.changes.version} ({saved.actions.length} actions).
        </div>
      )}
      {preview && <PreviewView preview={preview} />}
    </div>
  );
}

function PreviewView({ preview }: { preview: ImportPreview }) {
  return (
    <div className="postman-preview" data-testid="postman-result">
      <dl className="postman-summary">
        <dt>Connector</dt><dd data-testid="postman-key">{preview.name} ({preview.key})</dd>
        <dt>Base URL</dt><dd>{preview.baseUrl}</dd>
        <dt>Auth</dt><dd data-testid="postman-auth">{preview.auth.kind}</dd>
        <dt>Connection</dt>
        <dd>{preview.connectionParameters.length === 0 ? '—' : preview.connectionParameters.map(p => `${p.name} (${p.type})`).join(', ')}</dd>
      </dl>
      <h3>{preview.changes.isNew ? 'Changes' : 'Changes against the installed connector'}</h3>
      <ul className="postman-changes" data-testid="postman-changes">
        {preview.changes.lines.map(line => <li key={line}>{line}</li>)}
      </ul>
      <h3>Actions ({preview.actions.length})</h3>
      <table className="postman-actions" data-testid="postman-actions">
        <thead><tr><th>Card</th><th>Request</th><th>Inputs</th><th>Outputs</th><th>Examples</th></tr></thead>
        {groupActions(preview.actions).map(([group, actions]) => (
          <tbody key={group}>
            <tr className="group"><th colSpan={5}>{group || '(no folder)'}</th></tr>
            {actions.map(a => (
              <tr key={a.id} data-testid={`postman-action-${a.id}`}>
                <td>{a.label} <code>{a.id}</code></td>
                <td><code>{a.method} {a.path}</code></td>
                <td>{a.inputs.join(', ') || '—'}</td>
                <td>{a.outputs.join(', ')}</td>
                <td>{a.examples}</td>
              </tr>
            ))}
          </tbody>
        ))}
      </table>
      {preview.warnings.length > 0 && (
        <>
          <h3>Not imported or changed ({preview.warnings.length})</h3>
          <ul className="postman-warnings" data-testid="postman-warnings">
            {preview.warnings.map((w, i) => <li key={i}><code>{w.path}</code> {w.message}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}
