// CodeMirror 6 for JavaScript and template inputs: syntax highlighting and completion of input., vars., nodes.<id>.
// Loaded lazily (see CodeEditor.tsx), so the designer's first bundle does not carry it.
import { autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { javascript, localCompletionSource } from '@codemirror/lang-javascript';
import { json } from '@codemirror/lang-json';
import { bracketMatching, foldGutter, indentOnInput } from '@codemirror/language';
import { defaultHighlightStyle, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { EditorState } from '@codemirror/state';
import { EditorView, highlightActiveLine, keymap, lineNumbers, placeholder as placeholderExtension } from '@codemirror/view';
import { useEffect, useRef } from 'react';
import { completeAt } from '../flows/completion';
import type { CodeEditorProps } from './CodeEditor';

/** Scriban templates: text outside {{ }} is plain; inside, strings, numbers, keywords and names are highlighted. */
const scriban = StreamLanguage.define<{ inside: boolean }>({
  startState: () => ({ inside: false }),
  token(stream: StringStream, state) {
    if (!state.inside) {
      if (stream.match('{{')) { state.inside = true; return 'brace'; }
      while (!stream.eol() && !stream.match('{{', false)) stream.next();
      return null;
    }
    if (stream.match('}}')) { state.inside = false; return 'brace'; }
    if (stream.eatSpace()) return null;
    if (stream.match(/^"(?:[^"\\]|\\.)*"?/) || stream.match(/^'(?:[^'\\]|\\.)*'?/)) return 'string';
    if (stream.match(/^\d+(\.\d+)?/)) return 'number';
    if (stream.match(/^(if|else|end|for|in|while|func|ret|capture|with|and|or|not|true|false|null)\b/)) return 'keyword';
    if (stream.match(/^[A-Za-z_$][\w$-]*/)) return 'variableName';
    stream.next();
    return 'operator';
  },
});

/** What Run JavaScript's code sees besides input, vars, nodes and flow. */
const ARGS_ROOT = { label: 'args', type: 'variable', info: "the node's Args input" };

export default function CodeMirrorEditor({ value, onChange, mode, scope, ariaLabel, placeholder, functionBody, big }: CodeEditorProps) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef({ onChange, scope });
  latest.current = { onChange, scope };

  useEffect(() => {
    const complete = (context: CompletionContext): CompletionResult | null => {
      const result = completeAt(context.state.doc.toString(), context.pos, latest.current.scope);
      if (functionBody) {
        // `args` is a root too in Run JavaScript's code.
        const word = context.matchBefore(/[A-Za-z_$][\w$]*$/);
        if (word && 'args'.startsWith(word.text) && word.text !== 'args' && !/\.\s*$/.test(context.state.doc.sliceString(0, word.from)))
          return { from: word.from, options: [ARGS_ROOT, ...(result?.from === word.from ? result.options.map(o => ({ label: o.label, detail: o.detail, info: o.info, type: o.kind })) : [])], validFor: /^[\w$]*$/ };
      }
      if (!result) return null;
      return {
        from: result.from,
        options: result.options.map(o => ({ label: o.label, detail: o.detail, info: o.info, type: o.kind })),
        validFor: /^[\w$-]*$/,
      };
    };
    const v = new EditorView({
      parent: host.current!,
      state: EditorState.create({
        doc: value,
        extensions: [
          history(),
          closeBrackets(),
          keymap.of([...closeBracketsKeymap, ...defaultKeymap, ...historyKeymap, ...completionKeymap]),
          mode === 'js' ? javascript() : mode === 'json' ? json() : scriban,
          syntaxHighlighting(defaultHighlightStyle),
          bracketMatching(),
          // JSON has nothing to complete; JavaScript completes the flow's data and, in code, its own local names.
          mode === 'json' ? [] : autocompletion({ override: mode === 'js' && functionBody ? [complete, localCompletionSource] : [complete], activateOnTyping: true, icons: false }),
          big ? [lineNumbers(), foldGutter(), highlightActiveLine(), indentOnInput()] : [],
          EditorView.lineWrapping,
          EditorView.contentAttributes.of({ 'aria-label': ariaLabel }),
          placeholder ? placeholderExtension(placeholder) : [],
          EditorView.updateListener.of(update => {
            if (update.docChanged) latest.current.onChange(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => { v.destroy(); view.current = null; };
    // eslint-disable-next-line react-hooks/exhaustive-deps -- one editor per mounted field and mode; value syncs below
  }, [mode, ariaLabel]);

  // An outside change (undo, another node's value) replaces the text.
  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: value } });
  }, [value]);

  return <div className={`code-editor code-${mode}${big ? ' big' : ''}`} ref={host} data-testid="code-editor" />;
}
