// A semantic diff: section titles, added / removed / changed lines, breaking changes marked.
import type { Diff } from './catalogApi';
import { diffLines } from './catalogModel';

export function DiffView({ diff }: { diff: Diff }) {
  return (
    <pre className="catalog-diff" data-testid="catalog-diff">
      {diffLines(diff).map((line, i) => (
        <div key={i} className={`diff-${line.kind}${line.breaking ? ' diff-breaking' : ''}`}>
          {line.kind === 'title' || line.kind === 'summary' ? line.text : `  ${line.text}`}
          {line.breaking && <span className="breaking-tag"> breaking</span>}
        </div>
      ))}
    </pre>
  );
}
