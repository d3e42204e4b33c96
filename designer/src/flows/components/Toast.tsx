// The designer's status messages: one toast at a time, coloured by what happened (a fault is red, never green),
// and the banner shown while the server cannot be reached.
import { useEffect } from 'react';
import { useStore } from '../store';
import { CircleAlert, CircleCheck, Info, TriangleAlert } from 'lucide-react';

/** Success and info toasts go away by themselves; warnings and errors stay until closed (or Escape). */
const AUTO_HIDE_MS = 8000;

export function Toast() {
  const { state, dispatch } = useStore();
  const message = state.message;
  useEffect(() => {
    if (!message || message.level === 'error' || message.level === 'warning') return;
    const timer = setTimeout(() => dispatch({ kind: 'dismiss' }), AUTO_HIDE_MS);
    return () => clearTimeout(timer);
  }, [message, dispatch]);
  if (!message) return null;
  return (
    <div className={`toast toast-${message.level}`} role={message.level === 'error' ? 'alert' : 'status'} data-level={message.level}>
      <span className="toast-icon" aria-hidden>{message.level === 'error' ? <CircleAlert size={16} /> : message.level === 'warning' ? <TriangleAlert size={16} /> : message.level === 'success' ? <CircleCheck size={16} /> : <Info size={16} />}</span>
      <span className="toast-text" data-testid="message">{message.text}</span>
      <button type="button" className="toast-close ui-icon-btn" aria-label="close message" title="Close (Escape)" onClick={() => dispatch({ kind: 'dismiss' })}>×</button>
    </div>
  );
}

export function OfflineBanner() {
  return (
    <div className="offline-banner" role="alert" data-testid="offline-banner">
      The server cannot be reached: changes are kept here but not validated, saved or run. Retrying…
    </div>
  );
}
