// The designer's top-level workspaces, one tab each. A feature adds one entry here and keeps its own
// views under designer/src/<feature>/.
import type { ReactNode } from 'react';
import { App as FlowDesigner } from './App';
import { ConnectorsWorkspace } from './connectors/ConnectorsWorkspace';
import { CatalogView } from './catalog/CatalogView';
import { PostmanImport } from './postman/PostmanImport';

export interface Workspace {
  /** Also the URL hash: #/flows, #/connectors, … */
  id: string;
  label: string;
  render: () => ReactNode;
}

export const WORKSPACES: Workspace[] = [
  { id: 'flows', label: 'Flows', render: () => <FlowDesigner /> },
  { id: 'connectors', label: 'Connectors', render: () => <ConnectorsWorkspace /> },
  { id: 'catalog', label: 'Catalog', render: () => <CatalogView /> },
  { id: 'import', label: 'Import', render: () => <PostmanImport /> },
];
