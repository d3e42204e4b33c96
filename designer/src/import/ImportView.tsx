// The shell both import views share: pick a file (or paste the text), name the connector, Preview, then save; the
// preview shows the connector, its actions by group and what was not imported. Each view adds its summary rows and
// how it shows the changes; test ids are '<testId>-…' (postman-file, openapi-preview, …).
import { SignInPrompt } from '../access/SignInPrompt';
import './importView.css';
import { useState, type ReactNode } from 'react';
import { authKind, groupActions, ImportError, type ImportResultBase } from './importApi';

export interface ImportViewProps<R extends ImportResultBase> {
  testId: string;
  className: string;
  title: string;
  signInTo: string;
  hint: ReactNode;
  file: { label: string; accept: string };
  namePlaceholder: string;
  /** A text area to paste the source into, besides the file. */
  paste?: { label: string; placeholder: string };
  preview: (text: string, name: string) => Promise<R>;
  save: (text: string, name: string) => Promise<R>;
  saveLabel: (preview: R | null) => string;
  /** The save button's test id suffix: 'save' (Postman) or 'apply' (OpenAPI). */
  saveId: string;
  /** After saving, the saved result stays shown as the preview (Postman) rather than replacing it with the message only. */
  savedStaysPreviewed: boolean;
  /** Editing the name drops the preview (it named the connector), not only the saved message. */
  nameEditClearsPreview: boolean;
  /** Rows after Connector, Base URL and Auth. */
  summary: (preview: R) => ReactNode;
  /** What saving changes, shown before the actions. */
  changes: (preview: R) => ReactNode;
  /** The group heading of actions without one. */
  noGroup: string;
}

export function ImportView<R extends ImportResultBase>(props: ImportViewProps<R>) {
  const { testId } = props;
  const [text, setText] = useState<string | null>(null);
  const [fileName, setFileName] = useState('');
  const [name, setName] = useState('');
  const [preview, setPreview] = useState<R | null>(null);
  const [saved, setSaved] = useState<R | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const ready = text !== null && (props.paste === undefined || text.trim() !== '');

  function edited() {
    setPreview(null);
    setSaved(null);
    setError(null);
  }

  async function run(action: 'preview' | 'save') {
    if (!ready) return;
    setBusy(true);
    setError(null);
    try {
      const result = await props[action](text, name);
      if (action === 'preview') { setPreview(result); setSaved(null); }
      else { setSaved(result); setPreview(props.savedStaysPreviewed ? result : null); }
    } catch (e) {
      setError(e instanceof ImportError ? e.message : String(e));
      if (action === 'preview') setPreview(null);
    } finally {
      setBusy(false);
    }
  }

  async function onFile(file: File | undefined) {
    edited();
    if (!file) {
      // Without a paste area the file is the source: clearing it leaves nothing to import.
      if (props.paste === undefined) { setText(null); setFileName(''); }
      return;
    }
    setFileName(file.name);
    setText(await file.text());
  }

  return (
    <div className={props.className} data-testid={`${testId}-import`}>
      <h2>{props.title}</h2>
      <SignInPrompt to={props.signInTo} />
      <p className="hint">{props.hint}</p>
      <div className="postman-form">
        <label>{props.file.label} <input type="file" accept={props.file.accept} data-testid={`${testId}-file`}
          onChange={e => void onFile(e.target.files?.[0])} /></label>
        <label>Connector name <input type="text" placeholder={props.namePlaceholder} value={name} data-testid={`${testId}-name`}
          onChange={e => { setName(e.target.value); if (props.nameEditClearsPreview) edited(); else setSaved(null); }} /></label>
        <button disabled={!ready || busy} data-testid={`${testId}-preview`} onClick={() => void run('preview')}>Preview</button>
        <button disabled={preview === null || busy} data-testid={`${testId}-${props.saveId}`}
          onClick={() => void run('save')}>{props.saveLabel(preview)}</button>
      </div>
      {props.paste && (
        <label className="openapi-paste">{props.paste.label}
          <textarea value={text ?? ''} spellCheck={false} rows={8} data-testid={`${testId}-text`} placeholder={props.paste.placeholder}
            onChange={e => { setText(e.target.value); setFileName(''); edited(); }} /></label>
      )}
      {fileName && <div className="hint">{fileName}</div>}
      {error && <pre className="postman-error" data-testid={`${testId}-error`}>{error}</pre>}
      {saved && (
        <div className="postman-saved" data-testid={`${testId}-message`}>
          Installed {saved.key} {saved.changes.version} ({saved.actions.length} actions).
        </div>
      )}
      {preview && <PreviewView view={props} preview={preview} />}
    </div>
  );
}

function PreviewView<R extends ImportResultBase>({ view, preview }: { view: ImportViewProps<R>; preview: R }) {
  const { testId } = view;
  return (
    <div className="postman-preview" data-testid={`${testId}-result`}>
      <dl className="postman-summary">
        <dt>Connector</dt><dd data-testid={`${testId}-key`}>{preview.name} ({preview.key})</dd>
        <dt>Base URL</dt><dd>{preview.baseUrl}</dd>
        <dt>Auth</dt><dd data-testid={`${testId}-auth`}>{authKind(preview.auth)}</dd>
        {view.summary(preview)}
      </dl>
      {view.changes(preview)}
      <h3>Actions ({preview.actions.length})</h3>
      <table className="postman-actions" data-testid={`${testId}-actions`}>
        <thead><tr><th>Card</th><th>Request</th><th>Inputs</th><th>Outputs</th><th>Examples</th></tr></thead>
        {groupActions(preview.actions).map(([group, actions]) => (
          <tbody key={group}>
            <tr className="group"><th colSpan={5}>{group || view.noGroup}</th></tr>
            {actions.map(a => (
              <tr key={a.id} data-testid={`${testId}-action-${a.id}`}>
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
          <ul className="postman-warnings" data-testid={`${testId}-warnings`}>
            {preview.warnings.map((w, i) => <li key={i}><code>{w.path}</code> {w.message}</li>)}
          </ul>
        </>
      )}
    </div>
  );
}
