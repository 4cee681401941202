#!/usr/bin/env node
// A local npm registry for svcnet's packages: verdaccio on loopback, where @svcnet/*, svcnet and
// svcnet-agent live only here (no uplink: a name that is not published here is a 404, never
// someone else's package), and every other package is fetched from the registry npm is configured
// with. Used by hand (see README.md) and by test/registry.test.ts.
//
//   node tools/packaging/local-registry.mjs [--port 4873] [--dir DIR]
//
// Prints `registry http://127.0.0.1:PORT/` and `npmrc DIR/npmrc` (a token for this registry: npm
// will not publish without one, and this registry lets anyone publish), then serves until Ctrl-C,
// SIGTERM or the death of its parent. A --dir it created is removed on exit.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runServer } from 'verdaccio';

/** The packages this registry holds alone. */
const OWN_PACKAGES = ['@svcnet/*', 'svcnet', 'svcnet-agent'];

const { values } = parseArgs({ options: { port: { type: 'string', default: '4873' }, dir: { type: 'string' } } });
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`--port: Invalid value: "${values.port}": must be 0-65535`);
const created = !values.dir || !existsSync(values.dir);
const dir = values.dir ? resolve(values.dir) : mkdtempSync(join(tmpdir(), 'svcnet-registry-'));
mkdirSync(join(dir, 'storage'), { recursive: true });

const upstream = execFileSync('npm', ['config', 'get', 'registry', '--no-workspaces'], { encoding: 'utf8' }).trim();
const own = { access: '$all', publish: '$all', unpublish: '$all' };
const configuration = {
  self_path: join(dir, 'config.yaml'),
  storage: join(dir, 'storage'),
  auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: -1 } },
  uplinks: { upstream: { url: upstream, timeout: '60s', max_fails: 5 } },
  packages: { ...Object.fromEntries(OWN_PACKAGES.map((p) => [p, own])), '**': { access: '$all', proxy: 'upstream' } },
  web: { enable: false },
  log: { type: 'stdout', format: 'json', level: 'error' },
  max_body_size: '50mb',
};

const app = await runServer(configuration);
const server = app.listen(port, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/`;
  const npmrc = join(dir, 'npmrc');
  writeFileSync(npmrc, `//127.0.0.1:${server.address().port}/:_authToken=svcnet-local\n`);
  process.stdout.write(`registry ${url}\nnpmrc ${npmrc}\n`);
});
server.on('error', (e) => fail(`cannot listen on 127.0.0.1:${port}: ${e.message}`));

let stopping = false;
function stop() {
  if (stopping) return;
  stopping = true;
  server.closeAllConnections?.();
  server.close(() => {
    if (created) rmSync(dir, { recursive: true, force: true });
    process.exit(0);
  });
  setTimeout(() => process.exit(0), 2000).unref();
}
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// A test that dies without its cleanup must not leave a registry behind: stop when the parent goes.
const parent = process.ppid;
setInterval(() => process.ppid !== parent && stop(), 1000).unref();

function fail(message) {
  process.stderr.write(`local-registry: ${message}\n`);
  process.exit(2);
}
