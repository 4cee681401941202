import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { binary, describeWith, exposedGc, missing, nodeFeature, RedisServer, redisServer, requireAll } from './index.js';

describe('requirements', () => {
  it('reports a missing binary with the package that installs it', () => {
    const r = binary('svcnet-no-such-binary', 'svcnet-pkg');
    expect(missing([r])).toBe('svcnet-no-such-binary is not installed (apt-get install svcnet-pkg, or npm run setup:system)');
    expect(missing([binary('sh', 'dash')])).toBeUndefined();
  });

  it('reads SVCNET_REQUIRE_ALL', () => {
    const saved = process.env['SVCNET_REQUIRE_ALL'];
    process.env['SVCNET_REQUIRE_ALL'] = '1';
    expect(requireAll()).toBe(true);
    process.env['SVCNET_REQUIRE_ALL'] = '0';
    expect(requireAll()).toBe(false);
    if (saved === undefined) delete process.env['SVCNET_REQUIRE_ALL'];
    else process.env['SVCNET_REQUIRE_ALL'] = saved;
  });
});

describe('exposedGc', () => {
  it('collects what nothing holds any more, in a process started without --expose-gc', async () => {
    const gc = exposedGc();
    let held: object | undefined = { big: new Array(1000).fill(0) };
    const ref = new WeakRef(held);
    held = undefined;
    // A WeakRef made in this job holds its target until the job ends.
    await new Promise((r) => setImmediate(r));
    gc();
    expect(ref.deref()).toBeUndefined();
  });
});

describe('nodeFeature', () => {
  it('is met from the first release of each listed line and in later majors, and says which Node has it', () => {
    const major = Number(process.versions.node.split('.')[0]);
    expect(nodeFeature('x', [`${major}.0`]).check()).toBeUndefined();
    expect(nodeFeature('x', [`${major - 1}.0`]).check()).toBeUndefined();
    expect(nodeFeature('x', [`${major}.999`]).check()).toBe(`Node ${process.versions.node} has no x (Node ${major}.999+ does)`);
    expect(nodeFeature('x', [`${major + 1}.0`]).check()).toBe(`Node ${process.versions.node} has no x (Node ${major + 1}.0+ does)`);
  });

  it('is covered by another runtime of the test run only when SVCNET_TEST_RUNTIMES lists one that has it', () => {
    const saved = process.env['SVCNET_TEST_RUNTIMES'];
    const f = nodeFeature('reusePort', ['22.12', '23.1']);
    process.env['SVCNET_TEST_RUNTIMES'] = 'v24.22.3 v20.20.0';
    expect(f.coveredBy?.()).toBe('v24.22.3');
    process.env['SVCNET_TEST_RUNTIMES'] = 'v20.20.0,v22.11.0';
    expect(f.coveredBy?.()).toBeUndefined();
    delete process.env['SVCNET_TEST_RUNTIMES'];
    expect(f.coveredBy?.()).toBeUndefined();
    if (saved !== undefined) process.env['SVCNET_TEST_RUNTIMES'] = saved;
  });
});

const ping = (socketPath: string) =>
  new Promise<string>((resolve, reject) => {
    const c = createConnection(socketPath, () => c.write('PING\r\n'));
    c.once('data', (d) => {
      resolve(d.toString().trim());
      c.end();
    });
    c.once('error', reject);
  });

describeWith('RedisServer fixture', [redisServer], () => {
  let server: RedisServer | undefined;
  afterEach(async () => {
    await server?.stop();
  });

  it('starts on a private unix socket, survives kill and restart, and cleans up', async () => {
    server = await RedisServer.start();
    expect(await ping(server.socketPath)).toBe('+PONG');
    await server.kill();
    expect(server.running).toBe(false);
    await server.start();
    expect(await ping(server.socketPath)).toBe('+PONG');
    const dir = server.dir;
    await server.stop();
    server = undefined;
    expect(existsSync(dir)).toBe(false);
  });
});
