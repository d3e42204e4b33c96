// The designer's top-level workspaces, one tab each. A feature adds one entry here and keeps its own
// views under designer/src/<feature>/.
import { lazy, Suspense, type ReactNode } from 'react';
import { App as FlowDesigner } from './App';
import { ConnectorsWorkspace } from './connectors/ConnectorsWorkspace';
import { CatalogView } from './catalog/CatalogView';
import { PostmanImport } from './postman/PostmanImport';

// Loaded when its tab is first opened, so the flow designer's bundle stays as it was.
const DataWorkspace = lazy(() => import('./collection/DataWorkspace'));

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
  { id: 'data', label: 'Data collection', render: () => <Suspense fallback={<p className="hint">Loading…</p>}><DataWorkspace /></Suspense> },
];
