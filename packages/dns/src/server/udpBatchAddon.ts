import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/**
 * The optional native addon (native/udpBatch.c, built by scripts/build-native.mjs at install and
 * before the package's tests): recvmmsg/sendmmsg on the UDP socket dgram bound. Loaded once per
 * thread; every DNS worker thread loads its own instance (Node-API, no global state in C).
 */
export interface UdpBatchAddon {
  /** Ties the socket's fd to the caller's slot memory; the returned state is passed to the others. */
  open(fd: number, input: Uint8Array, output: Uint8Array, meta: Int32Array, peers: Uint8Array, batch: number, slot: number): UdpBatchState;
  /** Datagrams received into slots 0..n-1 (0: none waiting), or a negative errno. */
  recv(state: UdpBatchState): number;
  /** Sends the replies of slots 0..n-1; the first slot left unsent because the send queue is full, or n. */
  send(state: UdpBatchState, n: number): number;
  /** The peer of slot i as Node's rinfo.address spells it (inet_ntop, `%iface` on link-local IPv6). */
  peerAddress(state: UdpBatchState, slot: number): string;
}

/** Opaque: the addon's per-socket state (a Node-API external). */
export type UdpBatchState = { readonly __udpBatchState: unique symbol };

/** Where the build puts the addon: native/build/ beside src/ and dist/ (both two folders below the package). */
export const UDP_BATCH_ADDON_PATH = fileURLToPath(new URL('../../native/build/udpBatch.node', import.meta.url));

/**
 * What SVCNET_DNS_NATIVE asks for: `0` the per-datagram path, `1` the native path or a start-up
 * failure, anything else (unset) the native path when it loads.
 */
export function nativeSetting(env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  const v = env['SVCNET_DNS_NATIVE'];
  return v === '0' ? false : v === '1' ? true : undefined;
}

let loaded: { addon: UdpBatchAddon } | { reason: string } | undefined;

/** The addon, or why it is not available (once per thread; the answer does not change). */
export function loadUdpBatchAddon(): { addon: UdpBatchAddon } | { reason: string } {
  if (loaded) return loaded;
  if (process.platform !== 'linux') return (loaded = { reason: `recvmmsg/sendmmsg are Linux system calls, this is ${process.platform}` });
  if (!existsSync(UDP_BATCH_ADDON_PATH)) {
    return (loaded = { reason: `${UDP_BATCH_ADDON_PATH} is not built (node packages/dns/scripts/build-native.mjs --check says why)` });
  }
  try {
    const addon = createRequire(import.meta.url)(UDP_BATCH_ADDON_PATH) as Partial<UdpBatchAddon>;
    if (typeof addon.open !== 'function' || typeof addon.recv !== 'function' || typeof addon.send !== 'function' || typeof addon.peerAddress !== 'function') {
      return (loaded = { reason: `${UDP_BATCH_ADDON_PATH} does not export open/recv/send/peerAddress (a stale build?)` });
    }
    return (loaded = { addon: addon as UdpBatchAddon });
  } catch (e) {
    return (loaded = { reason: `${UDP_BATCH_ADDON_PATH} did not load: ${(e as Error).message.split('\n')[0]}` });
  }
}
