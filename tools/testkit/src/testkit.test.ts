import { existsSync } from 'node:fs';
import { createConnection } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { binary, describeWith, missing, RedisServer, redisServer, requireAll } from './index.js';

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
