// Paths into run data, pure: what dragging a field from a node's input data writes into a setting.

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A JavaScript path for `root` followed by keys (object keys and array indexes): nodes.fetch.body.items[0]["a-b"]. */
export function pathOf(root: string, keys: (string | number)[]): string {
  let path = root;
  for (const key of keys) {
    if (typeof key === 'number') path += `[${key}]`;
    else if (IDENT.test(key)) path += `.${key}`;
    else path += `[${JSON.stringify(key)}]`;
  }
  return path;
}

/** The root a node's outputs are read from in expressions: nodes.id, or nodes["id"] when the id is no identifier. */
export const nodeRoot = (nodeId: string) => (IDENT.test(nodeId) ? `nodes.${nodeId}` : `nodes[${JSON.stringify(nodeId)}]`);

/** A short preview of a value: its type and size for containers, the value for scalars (cut at 60 characters). */
export function preview(value: unknown): string {
  if (Array.isArray(value)) return `[${value.length}]`;
  if (value && typeof value === 'object') return `{${Object.keys(value).length}}`;
  const text = JSON.stringify(value) ?? 'undefined';
  return text.length > 60 ? `${text.slice(0, 59)}…` : text;
}

/** The columns of a table view: the keys of the first rows of an array of objects, or null when it is not one. */
export function tableColumns(value: unknown, sample = 50): string[] | null {
  if (!Array.isArray(value) || value.length === 0) return null;
  const columns = new Set<string>();
  for (const row of value.slice(0, sample)) {
    if (!row || typeof row !== 'object' || Array.isArray(row)) return null;
    for (const key of Object.keys(row)) columns.add(key);
  }
  return [...columns];
}
