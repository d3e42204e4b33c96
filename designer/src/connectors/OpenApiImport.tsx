// The Import workspace's OpenAPI tab: upload or paste a description, preview the connector it becomes — on a
// re-import, the catalog's semantic diff and the version step it implies — then apply (install) it.
import './openApiImport.css';
import { useMemo } from 'react';
import { createOpenApiImportApi, versionStep, type OpenApiImportResult } from '../import/importApi';
import { ImportView } from '../import/ImportView';

export function OpenApiImport() {
  const api = useMemo(() => createOpenApiImportApi(), []);
  return (
    <ImportView<OpenApiImportResult>
      testId="openapi" className="postman-import openapi-import" title="Import an OpenAPI description" signInTo="to import a description"
      hint={<>OpenAPI 3.0 or 3.1 (Swagger 2.0 is converted), YAML or JSON. Each operation becomes an action card grouped by tag;
        security schemes become the connection's auth, servers its base URL, examples its offline tests, and paged list
        operations walk every page.</>}
      file={{ label: 'Description file', accept: '.yaml,.yml,.json,application/json,application/yaml' }} namePlaceholder="(the description's title)"
      paste={{ label: 'Or paste it here', placeholder: 'openapi: 3.1.0\ninfo: …' }}
      preview={api.preview} save={api.apply} saveId="apply" savedStaysPreviewed={false} nameEditClearsPreview
      saveLabel={preview => (preview && !preview.changes.isNew ? 'Apply re-import' : 'Create connector')}
      noGroup="(no tag)" summary={VersionRow} changes={ReimportChanges}
    />
  );
}

function VersionRow(preview: OpenApiImportResult) {
  const step = versionStep(preview.changes);
  return (
    <>
      <dt>Version</dt>
      <dd data-testid="openapi-version">
        {step === 'new' ? `${preview.changes.version} (new connector)`
          : step === 'none' ? `${preview.changes.version} (no change)`
          : `${preview.changes.previousVersion} → ${preview.changes.version} (${step}${step === 'major' ? ': breaking changes' : ''})`}
      </dd>
    </>
  );
}

function ReimportChanges(preview: OpenApiImportResult) {
  if (preview.changes.isNew) return null;
  const diff = preview.changes.diff;
  return (
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
  );
}
