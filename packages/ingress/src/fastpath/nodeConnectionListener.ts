import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { IngressLogger } from '../view/ingressLogger.js';

export type ConnectionListener = (socket: Socket) => void;

/**
 * Takes node:http's own 'connection' listener off `server`, so the fast path can stand in front of
 * it and hand it the connections it does not serve (FastConnection.handOff). node:http adds that
 * listener when the server is made; it is recognised only as the server's one 'connection'
 * listener. An HTTPS server (node:https, a tls.Server) gives node:http its connections after the
 * handshake, through 'secureConnection': there `event` names that one. With none or several
 * (something else listens for connections too) it cannot be told
 * apart, so nothing is removed, a warning says why, and undefined means: leave the fast path off,
 * node:http serves every request (as with `fastPath: false`).
 */
export function takeNodeConnectionListener(
  server: Server,
  logger: IngressLogger | undefined,
  event: 'connection' | 'secureConnection' = 'connection',
): ConnectionListener | undefined {
  const listeners = server.listeners(event);
  if (listeners.length !== 1) {
    logger?.warn(
      { connectionListeners: listeners.length },
      `ingress: fast path off for this listener: the server has ${listeners.length} '${event}' listeners, so node:http's own cannot be told apart; node:http serves every request`,
    );
    return undefined;
  }
  const nodeListener = listeners[0] as ConnectionListener;
  server.removeListener(event, nodeListener);
  return nodeListener;
}
