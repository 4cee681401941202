import { IngressServer, IngressView } from '../src/index.js';
import { EchoBackend } from './backends.js';
import { selfSigned } from './certificates.js';
import { ingress, path, rule, service, slice } from './fixtures.js';

const L = '127.0.0.1';

/** The ways a request reaches the router's code, for tests that must hold on each. */
export interface RouterPath {
  readonly name: string;
  readonly port: () => number;
  /** Over TLS with this SNI name (HTTPS is always node:http's). */
  readonly tls?: string;
  /** Client sockets on the public socket API (useDirectSockets(false)): the fast path as on another Node. */
  readonly publicSocketApi?: boolean;
}

/** Routers in front of one echo backend, `echo.test` -> `echo`, each path on its own server. */
export interface Routers {
  readonly echo: EchoBackend;
  readonly paths: RouterPath[];
  close(): Promise<void>;
}

/**
 * Starts an echo backend and routers for it: plain HTTP with the fast path, plain HTTP with
 * node:http only (`fastPath: false`), and with `tls` an HTTPS listener (needs openssl). The
 * returned paths read their ports once started (call from beforeAll, name them in it.each).
 */
export function routers(opts: { trustedProxies?: readonly string[]; tls?: boolean }): { started: () => Promise<Routers>; paths: RouterPath[] } {
  const ports = { fast: 0, slow: 0, tls: 0 };
  const paths: RouterPath[] = opts.tls
    ? [{ name: 'TLS (node:http)', port: () => ports.tls, tls: 'echo.test' }]
    : [
        { name: 'fast path', port: () => ports.fast },
        { name: 'fast path on the public socket API', port: () => ports.fast, publicSocketApi: true },
        { name: 'node:http (fastPath: false)', port: () => ports.slow },
      ];
  const started = async (): Promise<Routers> => {
    const echo = await new EchoBackend('echo').start();
    const view = new IngressView();
    view.load([
      service('echo', [{ port: 80, name: 'http' }]),
      slice('echo', 'http', echo.port, [[L, true]]),
      ingress('hosts', { rules: [rule('echo.test', path('/', 'Prefix', 'echo', 80))] }),
    ]);
    const common = { view, ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}) };
    const servers: IngressServer[] = [];
    if (opts.tls) {
      const tls = new IngressServer({ ...common, listenTls: { host: L, port: 0 }, defaultCertificate: selfSigned('echo.test') });
      servers.push(tls);
      ports.tls = (await tls.start()).https!.port;
    } else {
      const fast = new IngressServer({ ...common, listen: { host: L, port: 0 } });
      const slow = new IngressServer({ ...common, listen: { host: L, port: 0 }, fastPath: false });
      servers.push(fast, slow);
      ports.fast = (await fast.start()).http!.port;
      ports.slow = (await slow.start()).http!.port;
      if (!fast.fastPathActive) throw new Error('the fast path is off: these tests would not exercise it');
    }
    return {
      echo,
      paths,
      close: async () => {
        await Promise.all(servers.map((s) => s.close()));
        await echo.close();
      },
    };
  };
  return { started, paths };
}
