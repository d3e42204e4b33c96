import { useStore } from '../store';

export function BottomPanel({ onSelectNode }: { onSelectNode: (id: string) => void }) {
  const { state } = useStore();
  const { problems, run, message } = state;
  return (
    <footer className="bottom">
      <section className="problems" data-testid="problems">
        <h4>Problems ({problems.length})</h4>
        <ul>
          {problems.map((p, i) => (
            <li key={i} className={p.severity} onClick={() => p.nodeId && onSelectNode(p.nodeId)} data-node={p.nodeId ?? undefined}>
              <span className="sev">{p.severity}</span> <code>{p.path}</code> {p.message}
            </li>
          ))}
        </ul>
      </section>
      <section className="run-result" data-testid="run-result">
        <h4>Run</h4>
        {message && <p className={message.error ? 'msg error' : 'msg'} data-testid="message">{message.text}</p>}
        {run && (
          <>
            <p>instance <code>{run.instanceId}</code>: <strong data-testid="run-status-text">{run.status}</strong></p>
            {run.fault && <p className="error">fault at {run.fault.nodeId}: {run.fault.message}</p>}
            <pre data-testid="run-outputs">{JSON.stringify(run.outputs ?? {}, null, 2)}</pre>
          </>
        )}
      </section>
    </footer>
  );
}
