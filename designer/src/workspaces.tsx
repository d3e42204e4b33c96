// The designer's top-level workspaces, one tab each. A feature adds one entry here and keeps its own
// views under designer/src/<feature>/.
import { lazy, Suspense, type ReactNode } from 'react';
import { App as FlowDesigner } from './flows/FlowDesigner';
import { ApprovalsWorkspace } from './approvals/ApprovalsWorkspace';

// Every workspace but the flow designer is loaded when its tab is first opened, so opening the designer
// downloads only the designer.
const DataWorkspace = lazy(() => import('./collection/DataWorkspace'));
const ConnectorsWorkspace = lazy(() => import('./connectors/ConnectorsWorkspace').then(m => ({ default: m.ConnectorsWorkspace })));
const CatalogView = lazy(() => import('./catalog/CatalogView').then(m => ({ default: m.CatalogView })));
const IncidentsView = lazy(() => import('./incidents/IncidentsView'));
const AccessWorkspace = lazy(() => import('./access/AccessWorkspace'));
const ImportWorkspace = lazy(() => import('./connectors/ImportWorkspace').then(m => ({ default: m.ImportWorkspace })));

const loading = <p className="hint">Loading…</p>;

export interface Workspace {
  /** Also the URL hash: #/flows, #/connectors, … */
  id: string;
  label: string;
  render: () => ReactNode;
  /** Shown only to a signed-in user with this permission (session.ts can()); the server enforces it anyway. */
  permission?: string;
}

export const WORKSPACES: Workspace[] = [
  { id: 'flows', label: 'Flows', render: () => <FlowDesigner /> },
  { id: 'connectors', label: 'Connectors', render: () => <Suspense fallback={loading}><ConnectorsWorkspace /></Suspense> },
  { id: 'catalog', label: 'Catalog', render: () => <Suspense fallback={loading}><CatalogView /></Suspense> },
  { id: 'import', label: 'Import', permission: 'connectors.write', render: () => <Suspense fallback={loading}><ImportWorkspace /></Suspense> },
  { id: 'data', label: 'Data collection', render: () => <Suspense fallback={loading}><DataWorkspace /></Suspense> },
  { id: 'approvals', label: 'App approvals', render: () => <ApprovalsWorkspace /> },
  { id: 'incidents', label: 'Incidents', render: () => <Suspense fallback={loading}><IncidentsView /></Suspense> },
  { id: 'access', label: 'Access', render: () => <Suspense fallback={loading}><AccessWorkspace /></Suspense> },
];
