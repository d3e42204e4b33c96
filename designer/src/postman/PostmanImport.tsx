// The Import workspace's Postman tab: upload a collection, preview the actions it becomes, save (install) the connector.
import { useMemo } from 'react';
import { createPostmanApi, type ImportPreview } from '../import/importApi';
import { ImportView } from '../import/ImportView';

export function PostmanImport() {
  const api = useMemo(() => createPostmanApi(), []);
  return (
    <ImportView<ImportPreview>
      testId="postman" className="postman-import" title="Import a Postman collection" signInTo="to import a collection"
      hint={<>Collection v2.1 or v2.0. Each request becomes an action card calling the connector's httpHelper;
        folders become card groups; saved example responses become the card's outputs and offline tests.</>}
      file={{ label: 'Collection file', accept: '.json,application/json' }} namePlaceholder="(the collection's name)"
      preview={api.preview} save={api.save} saveId="save" savedStaysPreviewed nameEditClearsPreview={false}
      saveLabel={preview => (preview && !preview.changes.isNew ? 'Update connector' : 'Save connector')}
      noGroup="(no folder)"
      summary={preview => (
        <>
          <dt>Connection</dt>
          <dd>{preview.connectionParameters.length === 0 ? '—' : preview.connectionParameters.map(p => `${p.name} (${p.type})`).join(', ')}</dd>
        </>
      )}
      changes={preview => (
        <>
          <h3>{preview.changes.isNew ? 'Changes' : 'Changes against the installed connector'}</h3>
          <ul className="postman-changes" data-testid="postman-changes">
            {preview.changes.lines.map(line => <li key={line}>{line}</li>)}
          </ul>
        </>
      )}
    />
  );
}
