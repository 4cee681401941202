import { createServer, get } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { IngressServer, IngressView } from '../index.js';
import { takeNodeConnectionListener } from './nodeConnectionListener.js';

/**
 * The fast path stands in front of node:http's own 'connection' listener; when the server has
 * another one too, that listener cannot be identified, so the fast path stays off and node:http
 * answers every request as usual.
 */

const L = '127.0.0.1';
const servers: Server[] = [];

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
});

function recordingLogger(): { warnings: { obj: Record<string, unknown>; msg: string }[]; warn(obj: Record<string, unknown>, msg: string): void } {
  const warnings: { obj: Record<string, unknown>; msg: string }[] = [];
  return { warnings, warn: (obj, msg) => warnings.push({ obj, msg }) };
}

async function listen(server: Server): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, L, resolve));
  return (server.address() as AddressInfo).port;
}

function fetchText(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = get({ host: L, port, path, agent: false, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

describe('takeNodeConnectionListener', () => {
  it('takes node:http’s only connection listener, which still serves what it is handed', async () => {
    const server = createServer((req, res) => res.end(`node:${req.url}`));
    const logger = recordingLogger();
    const nodeListener = takeNodeConnectionListener(server, logger);
    expect(nodeListener).toBeTypeOf('function');
    expect(server.listenerCount('connection')).toBe(0);
    expect(logger.warnings).toEqual([]);
    let handed = 0;
    server.on('connection', (socket: Socket) => {
      handed++;
      nodeListener!.call(server, socket);
    });
    const port = await listen(server);
    expect(await fetchText(port, '/a')).toEqual({ status: 200, body: 'node:/a' });
    expect(handed).toBe(1);
  });

  it('with another connection listener present: leaves both, warns once with the reason, requests still answered', async () => {
    const server = createServer((req, res) => res.end(`node:${req.url}`));
    let seenByOther = 0;
    server.on('connection', () => seenByOther++);
    const logger = recordingLogger();
    expect(takeNodeConnectionListener(server, logger)).toBeUndefined();
    expect(server.listenerCount('connection')).toBe(2);
    expect(logger.warnings).toHaveLength(1);
    expect(logger.warnings[0]!.obj).toEqual({ connectionListeners: 2 });
    expect(logger.warnings[0]!.msg).toContain('fast path off');
    const port = await listen(server);
    expect(await fetchText(port, '/b')).toEqual({ status: 200, body: 'node:/b' });
    expect(await fetchText(port, '/c')).toEqual({ status: 200, body: 'node:/c' });
    expect(seenByOther).toBe(2);
    expect(logger.warnings).toHaveLength(1);
  });

  it('with no connection listener: nothing to hand over to, so off with a warning', () => {
    const server = createServer();
    server.removeAllListeners('connection');
    const logger = recordingLogger();
    expect(takeNodeConnectionListener(server, logger)).toBeUndefined();
    expect(logger.warnings[0]!.obj).toEqual({ connectionListeners: 0 });
  });
});

describe('IngressServer.fastPathActive', () => {
  it('reports the fast path on by default and off with fastPath: false', async () => {
    const view = new IngressView();
    const on = new IngressServer({ view, listen: { host: L, port: 0 } });
    const off = new IngressServer({ view, listen: { host: L, port: 0 }, fastPath: false });
    try {
      await on.start();
      await off.start();
      expect(on.fastPathActive).toBe(true);
      expect(off.fastPathActive).toBe(false);
    } finally {
      await on.close();
      await off.close();
    }
  });
});

describe('takeNodeConnectionListener on an HTTPS server', () => {
  it("takes node:https's only 'secureConnection' listener (node:http's), leaving tls.Server's own 'connection' one", async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    const server = createHttpsServer({}, () => undefined);
    const tlsListeners = server.listenerCount('connection');
    const logger = recordingLogger();
    expect(takeNodeConnectionListener(server, logger, 'secureConnection')).toBeTypeOf('function');
    expect(server.listenerCount('secureConnection')).toBe(0);
    expect(server.listenerCount('connection')).toBe(tlsListeners);
    expect(logger.warnings).toEqual([]);
  });

  it('with another secureConnection listener: off with a warning naming the event', async () => {
    const { createServer: createHttpsServer } = await import('node:https');
    const server = createHttpsServer({}, () => undefined);
    server.on('secureConnection', () => undefined);
    const logger = recordingLogger();
    expect(takeNodeConnectionListener(server, logger, 'secureConnection')).toBeUndefined();
    expect(server.listenerCount('secureConnection')).toBe(2);
    expect(logger.warnings[0]!.msg).toContain("'secureConnection'");
  });

  it('IngressServer reports the TLS fast path on by default and off with fastPath: false', async () => {
    const view = new IngressView();
    const on = new IngressServer({ view, listenTls: { host: L, port: 0 } });
    const off = new IngressServer({ view, listenTls: { host: L, port: 0 }, fastPath: false });
    try {
      await on.start();
      await off.start();
      expect(on.tlsFastPathActive).toBe(true);
      expect(off.tlsFastPathActive).toBe(false);
    } finally {
      await on.close();
      await off.close();
    }
  });
});
