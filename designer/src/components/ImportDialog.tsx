// Importing a flow whose id is already taken: as a new flow (a fresh id) or replacing the existing one.
import type { FlowJson } from '../types';

export interface PendingImport {
  fileName: string;
  flow: FlowJson;
  /** The id "as new" gives it. */
  newId: string;
}

export function ImportDialog({ pending, onAsNew, onReplace, onCancel }: { pending: PendingImport; onAsNew: () => void; onReplace: () => void; onCancel: () => void }) {
  return (
    <div className="modal-backdrop">
      <div className="modal" role="dialog" aria-label="import flow" data-testid="import-dialog">
        <h3>Import {pending.fileName}</h3>
        <p>A flow with the id <code>{pending.flow.id}</code> exists already.</p>
        <div className="modal-actions">
          <button data-testid="import-as-new" onClick={onAsNew}>Import as new flow <code>{pending.newId}</code></button>
          <button data-testid="import-replace" className="danger" onClick={onReplace}>Replace <code>{pending.flow.id}</code>…</button>
          <button onClick={onCancel}>Cancel</button>
        </div>
      </div>
    </div>
  );
}
