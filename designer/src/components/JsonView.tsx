// Run data as a tree (children rendered only when opened, long lists a page at a time, so a 1 MB output opens at
// once) or as a table for a list of objects. Each field can be dragged into a setting: it writes its expression.
import { useState, type DragEvent } from 'react';
import { pathOf, preview, tableColumns } from '../flows/dataPaths';
import type { Json } from '../types';

export const EXPRESSION_DRAG_TYPE = 'application/x-flowconnectors-expression';
const PAGE = 100;

function startDrag(event: DragEvent, path: string) {
  event.stopPropagation();
  event.dataTransfer.setData(EXPRESSION_DRAG_TYPE, path);
  event.dataTransfer.setData('text/plain', path);
  event.dataTransfer.effectAllowed = 'copy';
}

function Entry({ name, value, root, keys, depth }: { name: string; value: Json; root: string; keys: (string | number)[]; depth: number }) {
  const container = value !== null && typeof value === 'object';
  const [open, setOpen] = useState(depth < 1);
  const [shown, setShown] = useState(PAGE);
  const path = pathOf(root, keys);
  const children: [string | number, Json][] = !container || !open ? [] : Array.isArray(value)
    ? value.slice(0, shown).map((v, i) => [i, v])
    : Object.entries(value).slice(0, shown);
  const total = container ? (Array.isArray(value) ? value.length : Object.keys(value).length) : 0;
  return (
    <li>
      <div className="json-row" draggable onDragStart={e => startDrag(e, path)} title={`${path}\n(drag into a setting)`} data-path={path}>
        {container ? <button className="json-toggle" onClick={() => setOpen(!open)} aria-label={`${open ? 'close' : 'open'} ${path}`}>{open ? '▾' : '▸'}</button> : <span className="json-toggle" />}
        <span className="json-key">{name}</span>
        <span className={`json-value json-${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value}`}>{preview(value)}</span>
      </div>
      {children.length > 0 && (
        <ul>
          {children.map(([k, v]) => <Entry key={k} name={String(k)} value={v} root={root} keys={[...keys, k]} depth={depth + 1} />)}
          {shown < total && <li><button className="link" onClick={() => setShown(shown + PAGE)}>show {Math.min(PAGE, total - shown)} more of {total - shown}</button></li>}
        </ul>
      )}
    </li>
  );
}

function Table({ rows, root, keys }: { rows: Record<string, Json>[]; root: string; keys: (string | number)[] }) {
  const columns = tableColumns(rows) ?? [];
  const [shown, setShown] = useState(PAGE);
  return (
    <div className="json-table-wrap">
      <table className="json-table">
        <thead><tr><th>#</th>{columns.map(c => <th key={c} draggable onDragStart={e => startDrag(e, pathOf(root, [...keys, 0, c]))}>{c}</th>)}</tr></thead>
        <tbody>
          {rows.slice(0, shown).map((row, i) => (
            <tr key={i}><td>{i}</td>{columns.map(c => <td key={c} draggable onDragStart={e => startDrag(e, pathOf(root, [...keys, i, c]))}>{preview(row[c])}</td>)}</tr>
          ))}
        </tbody>
      </table>
      {shown < rows.length && <button className="link" onClick={() => setShown(shown + PAGE)}>show more rows ({rows.length - shown} left)</button>}
    </div>
  );
}

/** One value (a node's outputs) under its expression root, as a tree or (for a list of objects inside) a table. */
export function JsonView({ value, root, testId }: { value: Record<string, Json>; root: string; testId?: string }) {
  const [mode, setMode] = useState<'tree' | 'table' | 'json'>('tree');
  // The table shows the first list of objects among the outputs (an API's items).
  const list = Object.entries(value).map(([k, v]) => [k, v] as const).find(([, v]) => tableColumns(v) !== null)
    ?? Object.entries(value).flatMap(([k, v]) => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).map(([k2, v2]) => [`${k}.${k2}`, v2] as const) : []))
      .find(([, v]) => tableColumns(v) !== null);
  return (
    <div className="json-view" data-testid={testId}>
      <div className="json-modes">
        {(['tree', 'table', 'json'] as const).map(m => (
          <button key={m} className={mode === m ? 'active' : undefined} disabled={m === 'table' && !list} onClick={() => setMode(m)}>{m}</button>
        ))}
      </div>
      {mode === 'tree' && <ul className="json-tree">{Object.entries(value).map(([k, v]) => <Entry key={k} name={k} value={v} root={root} keys={[k]} depth={0} />)}</ul>}
      {mode === 'table' && list && <Table rows={list[1] as Record<string, Json>[]} root={root} keys={String(list[0]).split('.')} />}
      {mode === 'json' && <pre className="json-text">{JSON.stringify(value, null, 2).slice(0, 200_000)}</pre>}
    </div>
  );
}
