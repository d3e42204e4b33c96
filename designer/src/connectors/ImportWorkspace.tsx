// The Import workspace: a Postman collection or an OpenAPI description becomes a connector.
import { useState } from 'react';
import { Tabs } from '../components/ui';
import { PostmanImport } from '../postman/PostmanImport';
import { OpenApiImport } from './OpenApiImport';
import './openApiImport.css';

type Source = 'postman' | 'openapi';

export function ImportWorkspace() {
  const [source, setSource] = useState<Source>('postman');
  return (
    <div className="import-workspace">
      <Tabs<Source> label="What to import" className="import-tabs" active={source} onChange={setSource} tabs={[
        { id: 'postman', label: 'Postman collection', testId: 'import-tab-postman' },
        { id: 'openapi', label: 'OpenAPI', testId: 'import-tab-openapi' },
      ]} />
      <div className="import-body">{source === 'postman' ? <PostmanImport /> : <OpenApiImport />}</div>
    </div>
  );
}
