// Deploy-validation problems of an authoring write: file, JSON path, code, message.
import type { ConnectorProblem } from './types';

export function AuthoringMessage({ error, problems, info }: { error?: string; problems: ConnectorProblem[]; info?: string }) {
  if (!error && !info && !problems.length) return null;
  return (
    <div className="authoring-message" data-testid="authoring-message">
      {info && <p className="ok" data-testid="authoring-info">{info}</p>}
      {error && <p className="error" data-testid="authoring-error">{error}</p>}
      {problems.length > 0 && (
        <ul data-testid="authoring-problems">
          {problems.map((p, i) => (
            <li key={i} className={p.severity === 'warning' ? 'warning' : 'error'}>
              <code>{p.file}</code> <code>{p.path}</code> <strong>{p.code}</strong> {p.message}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
