// The App approvals tab: loads its view when first opened, like the other workspaces.
import { lazy, Suspense } from 'react';

const ApprovalsView = lazy(() => import('./ApprovalsView').then(m => ({ default: m.ApprovalsView })));

export function ApprovalsWorkspace() {
  return <Suspense fallback={<p className="hint">Loading…</p>}><ApprovalsView /></Suspense>;
}
