// The code editor of JavaScript and template inputs. CodeMirror loads on first use; until then a plain text area edits.
import { lazy, Suspense } from 'react';
import type { CompletionScope } from '../completion';

export interface CodeEditorProps {
  value: string;
  onChange: (text: string) => void;
  mode: 'js' | 'template';
  scope: CompletionScope;
  ariaLabel: string;
  placeholder?: string;
}

const CodeMirrorEditor = lazy(() => import('./CodeMirrorEditor'));

export function CodeEditor(props: CodeEditorProps) {
  const fallback = (
    <textarea aria-label={props.ariaLabel} value={props.value} rows={3} placeholder={props.placeholder}
      onChange={e => props.onChange(e.target.value)} />
  );
  return (
    <Suspense fallback={fallback}>
      <CodeMirrorEditor {...props} />
    </Suspense>
  );
}
