// Pure helpers of the catalog workspace: version order, what installing a version means, diff lines.
import type { CatalogConnector, CatalogVersion, Diff } from './catalogApi';

/** Compares semantic versions by precedence (major.minor.patch, then a pre-release sorts first). */
export function compareVersions(a: string, b: string): number {
  const [coreA, preA] = split(a);
  const [coreB, preB] = split(b);
  for (let i = 0; i < 3; i++) if (coreA[i] !== coreB[i]) return coreA[i] < coreB[i] ? -1 : 1;
  if (preA === preB) return 0;
  if (preA === '') return 1;
  if (preB === '') return -1;
  return preA < preB ? -1 : 1;
}

function split(version: string): [number[], string] {
  const [main, ...rest] = version.split('+')[0].split('-');
  return [main.split('.').map(n => Number(n)), rest.join('-')];
}

export type InstallAction = 'install' | 'upgrade' | 'downgrade' | 'installed';

/** What the button for a version does on this server. */
export function installAction(installed: string | null, version: string): InstallAction {
  if (installed === null) return 'install';
  const order = compareVersions(version, installed);
  return order === 0 ? 'installed' : order > 0 ? 'upgrade' : 'downgrade';
}

/** The newest approved version, the one `install <key>` picks. */
export function latestApproved(connector: CatalogConnector): CatalogVersion | undefined {
  return [...connector.versions].sort((a, b) => compareVersions(a.version, b.version)).filter(v => v.status === 'approved').pop();
}

export interface DiffLine { kind: 'title' | 'added' | 'removed' | 'changed' | 'summary'; text: string; breaking: boolean }

/** A diff as display lines: a title per section, then its changes, then the summary. */
export function diffLines(diff: Diff): DiffLine[] {
  const lines: DiffLine[] = [];
  for (const section of diff.sections) {
    lines.push({ kind: 'title', text: section.title, breaking: false });
    for (const change of section.changes)
      lines.push({ kind: change.op === '+' ? 'added' : change.op === '-' ? 'removed' : 'changed', text: `${change.op} ${change.text}`, breaking: change.breaking });
  }
  lines.push({ kind: 'summary', text: diff.sections.length === 0 ? 'no changes' : `${diff.changes} change${diff.changes === 1 ? '' : 's'}, ${diff.breaking} breaking`, breaking: false });
  return lines;
}
