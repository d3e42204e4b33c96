// Importing a flow whose id is already taken: as a new flow (a fresh id) or replacing the existing one.
import type { FlowJson } from '../../types';
import { Button, Modal } from '../../components/ui';

export interface PendingImport {
  fileName: string;
  flow: FlowJson;
  /** The id "as new" gives it. */
  newId: string;
}

export function ImportDialog({ pending, onAsNew, onReplace, onCancel }: { pending: PendingImport; onAsNew: () => void; onReplace: () => void; onCancel: () => void }) {
  return (
    <Modal title={`Import ${pending.fileName}`} label="import flow" testId="import-dialog" onClose={onCancel}
      footer={<>
        <Button data-testid="import-as-new" variant="primary" onClick={onAsNew}>Import as new flow <code>{pending.newId}</code></Button>
        <Button data-testid="import-replace" variant="danger" onClick={onReplace}>Replace <code>{pending.flow.id}</code>…</Button>
        <Button onClick={onCancel}>Cancel</Button>
      </>}>
      <p>A flow with the id <code>{pending.flow.id}</code> exists already.</p>
    </Modal>
  );
}
