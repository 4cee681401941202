import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { manifestSyncLog } from './manifestSyncLog.js';

function capture() {
  const lines: { msg: string; created: number; problems: number }[] = [];
  const stream = new Writable({ write: (chunk: Buffer, _e, done) => (lines.push(JSON.parse(chunk.toString())), done()) });
  return { lines, log: pino({ level: 'info' }, stream) };
}

describe('manifests: applied is logged once per change', () => {
  it('stays quiet while rescans meet the same problem files, and speaks when anything changes', () => {
    const { lines, log } = capture();
    const onSync = manifestSyncLog(log);
    const bad = { message: 'svc1.yaml: document 1 (line 9): Service "svc1" is invalid' };
    onSync({ created: 45, updated: 0, deleted: 0, problems: [bad] });
    for (let i = 0; i < 5; i++) onSync({ created: 0, updated: 0, deleted: 0, problems: [bad] });
    expect(lines.map((l) => [l.created, l.problems])).toEqual([[45, 1]]);
    onSync({ created: 0, updated: 0, deleted: 0, problems: [] });
    onSync({ created: 0, updated: 0, deleted: 0, problems: [] });
    onSync({ created: 0, updated: 1, deleted: 0, problems: [] });
    expect(lines.map((l) => [l.created, l.problems])).toEqual([[45, 1], [0, 0], [0, 0]]);
    expect(lines.every((l) => l.msg === 'manifests: applied')).toBe(true);
  });
});
