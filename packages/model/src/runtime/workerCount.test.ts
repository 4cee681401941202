import { describe, expect, it } from 'vitest';
import { AUTO_WORKER_CAP, parseWorkerSetting, reusePortUnsupported, workerCount } from './workerCount.js';

describe('workerCount: how many servers run', () => {
  it('auto is one per core, at most AUTO_WORKER_CAP, and at least one', () => {
    expect(workerCount('auto', { cores: 1, unsupported: undefined })).toEqual({ count: 1 });
    expect(workerCount('auto', { cores: 2, unsupported: undefined })).toEqual({ count: 2 });
    expect(workerCount('auto', { cores: 64, unsupported: undefined })).toEqual({ count: AUTO_WORKER_CAP });
    expect(workerCount('auto', { cores: 0, unsupported: undefined })).toEqual({ count: 1 });
  });

  it('a number is taken as given when reusePort is there', () => {
    expect(workerCount(3, { cores: 1, unsupported: undefined })).toEqual({ count: 3 });
  });

  it('runs one server, in this thread, without reusePort, and says why and what was asked', () => {
    const why = 'Node 20.20.2 has no reusePort for dgram and net sockets (Node 22.12+ or 23.1+ does)';
    expect(workerCount('auto', { cores: 2, unsupported: why })).toEqual({ count: 1, reason: `${why}: one server runs, in this thread (asked for auto = 2)` });
    expect(workerCount(3, { unsupported: why })).toEqual({ count: 1, reason: `${why}: one server runs, in this thread (asked for 3)` });
    // One asked for is one given: nothing to explain.
    expect(workerCount(1, { unsupported: why })).toEqual({ count: 1 });
  });

  it('knows which Node and platform have reusePort', () => {
    expect(reusePortUnsupported('20.20.2', 'linux')).toMatch(/^Node 20\.20\.2 has no reusePort/);
    expect(reusePortUnsupported('22.11.0', 'linux')).toMatch(/has no reusePort/);
    expect(reusePortUnsupported('22.12.0', 'linux')).toBeUndefined();
    expect(reusePortUnsupported('23.1.0', 'freebsd')).toBeUndefined();
    expect(reusePortUnsupported('24.11.1', 'linux')).toBeUndefined();
    expect(reusePortUnsupported('24.11.1', 'darwin')).toBe('SO_REUSEPORT does not balance sockets on darwin');
  });
});

describe('parseWorkerSetting', () => {
  it('takes auto or a number from 1 to 64, and says what to write otherwise', () => {
    expect(parseWorkerSetting(' auto ', '--dns-workers')).toBe('auto');
    expect(parseWorkerSetting('4', '--dns-workers')).toBe(4);
    for (const bad of ['0', '65', '-1', '2.5', 'two', '']) {
      expect(() => parseWorkerSetting(bad, '--dns-workers')).toThrow(`--dns-workers ${JSON.stringify(bad)} is invalid: give a number of workers from 1 to 64, or auto (one per core, at most ${AUTO_WORKER_CAP})`);
    }
  });
});
