// The Import workspace's OpenAPI tab: upload or paste a description, preview the connector it becomes — on a
// re-import, the catalog's semantic diff and the version step it implies — then apply (install) it.
import { SignInPrompt } from '../access/SignInPrompt';
import '../postman/postman.css';
import './openApiImport.css';
import { useMemo, useState } from 'react';
import { groupActions, ImportError } from '../postman/postmanApi';
import { createOpenApiImportApi, versionStep, type OpenApiImportResult } from './openApiImportApi';

export function OpenApiImport() {
  const api = useMemo(() => createOpenApiImportApi(), []);
  const [spec, setSpec] = useState('');
  const [fileName, setFileName] = useState('');
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<OpenApiImportResult | null>(null);
  const [applied, setApplied] = useState<OpenApiImportResult | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function edited() {
    setPreview(null);
    setApplied(null);
    setError(null);
  }

  async function run(action: 'preview' | 'apply') {
    if (spec.trim() === '') return;
    setBusy(true);
    setError(null);
    try {
      const result = await api[action](spec, name);
      if (action === 'preview') { setPreview(result); setApplied(null); }
      else { setApplied(result); setPreview(null); }
    } catch (e) {
      setError(e instanceof ImportError ? e.message : String(e));
      if (action === 'preview') setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  async function onFile(file: File | undefined) {
    edited();
    if (!file) return;
    setFileName(file.name);
    setSpec(await file.text());
  }

  return (
    <div className="postman-import openapi-import" data-testid="openapi-import">
      <h2>Import an OpenAPI description</h2>
      <SignInPrompt to="to import a description" />
      <p className="hint">OpenAPI 3.0 or 3.1 (Swagger 2.0 is converted), YAML or JSON. Each operation becomes an action card grouped by tag;
        security schemes become the connection's auth, servers its base URL, examples its offline tests, and paged list
        operations walk every page.</p>
      <div className="postman-form">
        <label>Description file <input type="file" accept=".yaml,.yml,.json,application/json,application/yaml" data-testid="openapi-file"
          onChange={e => void onFile(e.target.files?.[0])} /></label>
        <label>Connector name <input type="text" placeholder="(the description's title)" value={name} data-testid="openapi-name"
          onChange={e => { setName(e.target.value); edited(); }} /></label>
        <button disabled={spec.trim() === '' || busy} data-testid="openapi-preview" onClick={() => void run('preview')}>Preview</button>
        <button disabled={preview === null || busy} data-testid="openapi-apply" onClick={() => void run('apply')}>
          {preview && !preview.changes.isNew ? 'Apply re-import' : 'Create connector'}</button>
      </div>
      <label className="openapi-paste">Or paste it here
        <textarea value={spec} spellCheck={false} rows={8} data-testid="openapi-text" placeholder="openapi: 3.1.0&#10;info: …"
          onChange={e => { setSpec(e.target.value); setFileName(''); edited(); }} /></label>
      {fileName && <div className="hint">{fileName}</div>}
      {error && <pre className="postman-error" data-testid="openapi-error">{error}</pre>}
      {applied && (
        <div className="postman-saved" data-testid="openapi-message">
          Installed {applied.key} {applied.changes.version} ({applied.actions.length} actions).
        </div>
      )}
      {preview && <PreviewView preview={preview} />}
    </div>
  );
}

function PreviewView({ preview }: { preview: OpenApiImportResult }) {
  const step = versionStep(preview.changes);
  const diff = preview.changes.diff;
  return (
    <div className="postman-preview" data-testid="openapi-result">
      <dl className="postman-summary">
        <dt>Connector</dt><dd data-testid="openapi-key">{preview.name} ({preview.key})</dd>
        <dt>Base URL</dt><dd>{preview.baseUrl}</dd>
        <dt>Auth</dt><dd data-testid="openapi-auth">{preview.auth?.kind ?? 'none'}</dd>
        <dt>Version</dt>
        <dd data-testid="openapi-version">
          {step === 'new' ? `${preview.changes.version} (new connector)`
            : step === 'none' ? `${preview.changes.version} (no change)`
            : `${preview.changes.previousVersion} → ${preview.changes.version} (${step}${step === 'major' ? ': breaking changes' : ''})`}
        </dd>
      </dl>
      {!preview.changes.isNew && (
        <>
          <h3>What the re-import changes</h3>
          {diff && diff.sections.length > 0 ? (
            <div className="openapi-diff" data-testid="openapi-diff">
              {diff.sections.map(section => (
                <section key={section.title}>
                  <h4>{section.title}</h4>
                  <ul>
                    {section.changes.map((c, i) => (
                      <li key={i} className={`op-${c.op === '+' ? 'add' : c.op === '-' ? 'remove' : 'change'}${c.breaking ? ' breaking' : ''}`}>
                        <code>{c.op}</code> {c.text}{c.breaking && <span className="openapi-breaking" data-testid="openapi-breaking">breaking</span>}
                      </li>
                    ))}
                  </ul>
                </section>
              ))}
              <p className="hint">{diff.changes} change{diff.changes === 1 ? '' : 's'}, {diff.breaking} breaking</p>
            </div>
          ) : <p className="hint" data-testid="openapi-diff">No semantic change.</p>}
          {preview.changes.kept.length > 0 && (
            <ul className="postman-changes">{preview.changes.kept.map(k => <li key={k}>kept: {k}</li>)}</ul>
          )}
        </>
      )}
      <h3>Actions ({preview.actions.length})</h3>
      <table className="postman-actions" data-testid="openapi-actions">
        <thead><tr><th>Card</th><th>Request</th><th>Inputs</th><th>Outputs</th><th>Examples</th></tr></thead>
        {groupActions(preview.actions).map(([group, actions]) => (
          <tbody key={group}>
            <tr className="group"><th colSpan={5}>{group || '(no tag)'}</th></tr>
            {actions.map(a => (
              <tr key={a.id} data-testid={`openapi-action-${a.id}`}>
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
          <ul className="postman-warnings" data-testid="openapi-warnings">
            {preview.warnings.map((w, i) => <li key={i}><code>{w.path}</code> {w.message}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}
