// The code editor of JavaScript and template inputs. CodeMirror loads on first use; until then a plain text area edits.
import { lazy, Suspense } from 'react';
import type { CompletionScope } from '../flows/completion';

export interface CodeEditorProps {
  value: string;
  onChange: (text: string) => void;
  mode: 'js' | 'template' | 'json';
  /** Run JavaScript's code: a function body that also sees `args`. */
  functionBody?: boolean;
  /** The full editor: fills its box, line numbers. */
  big?: boolean;
  scope: CompletionScope;
  ariaLabel: string;
  placeholder?: string;
}

const CodeMirrorEditor = lazy(() => import('./CodeMirrorEditor'));

export function CodeEditor(props: CodeEditorProps) {
  const fallback = (
    <textarea aria-label={props.ariaLabel} value={props.value} rows={props.big ? 20 : 3} placeholder={props.placeholder}
      onChange={e => props.onChange(e.target.value)} />
  );
  return (
    <Suspense fallback={fallback}>
      <CodeMirrorEditor {...props} />
    </Suspense>
  );
}
