import { describe, expect, it } from 'vitest';
import { compareVersions, diffLines, installAction, latestApproved } from './catalogModel';

describe('catalog versions', () => {
  it('orders versions by semver precedence, not as text', () => {
    expect(['1.10.0', '1.2.0', '2.0.0-beta.1', '2.0.0', '1.2.0-rc.1'].sort(compareVersions))
      .toEqual(['1.2.0-rc.1', '1.2.0', '1.10.0', '2.0.0-beta.1', '2.0.0']);
  });

  it('names what installing a version does here', () => {
    expect(installAction(null, '1.0.0')).toBe('install');
    expect(installAction('1.0.0', '1.10.0')).toBe('upgrade');
    expect(installAction('2.0.0', '1.9.9')).toBe('downgrade');
    expect(installAction('1.0.0', '1.0.0')).toBe('installed');
  });

  it('picks the newest approved version, skipping submitted and rejected ones', () => {
    const connector = {
      key: 'slack', name: 'Slack', installedVersion: null, loadedVersions: [],
      versions: [
        { version: '1.10.0', digest: 'd', status: 'approved' as const, reason: null },
        { version: '1.9.0', digest: 'd', status: 'approved' as const, reason: null },
        { version: '2.0.0', digest: 'd', status: 'rejected' as const, reason: 'no' },
        { version: '1.11.0', digest: 'd', status: 'submitted' as const, reason: null },
      ],
    };
    expect(latestApproved(connector)?.version).toBe('1.10.0');
  });
});

describe('diff lines', () => {
  it('lists section titles, marked changes and the summary', () => {
    const lines = diffLines({
      sections: [
        { title: 'manifest', changes: [{ op: '~', text: 'version: "1.0.0" → "2.0.0"', breaking: false }] },
        { title: 'card postMessage', changes: [{ op: '-', text: 'output channel (string)', breaking: true }, { op: '+', text: 'input emoji (string)', breaking: false }] },
      ],
      changes: 3, breaking: 1, text: '',
    });
    expect(lines.map(l => `${l.kind}:${l.text}${l.breaking ? '!' : ''}`)).toEqual([
      'title:manifest',
      'changed:~ version: "1.0.0" → "2.0.0"',
      'title:card postMessage',
      'removed:- output channel (string)!',
      'added:+ input emoji (string)',
      'summary:3 changes, 1 breaking',
    ]);
  });

  it('says so when nothing changed', () => {
    expect(diffLines({ sections: [], changes: 0, breaking: 0, text: '' })).toEqual([{ kind: 'summary', text: 'no changes', breaking: false }]);
  });
});
