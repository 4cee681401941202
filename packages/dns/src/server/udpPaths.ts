import type dgram from 'node:dgram';
import type { DnsLogger } from './dnsServerOptions.js';
import { DnsError } from './errors.js';
import { type BatchPacketHandler, UdpBatch } from './udpBatch.js';
import { loadUdpBatchAddon, nativeSetting } from './udpBatchAddon.js';
import { fastUdp, udpFd } from './udpFastPath.js';

/** How a server reads and answers UDP (DnsServer.udpPath, and the `dns server started` log line). */
export type UdpPath = 'native-batch' | 'fast-path' | 'dgram';

/** The path chosen, and the batch driver when it is `native-batch`. */
export interface StartedUdpPath {
  path: UdpPath;
  batch?: UdpBatch;
}

export interface UdpPathOptions {
  /** DnsServerOptions.udpFastPath !== false. */
  fastPath: boolean;
  /** DnsServerOptions.udpNative: true requires the batch path, false refuses it, undefined: SVCNET_DNS_NATIVE, else when it loads. */
  native: boolean | undefined;
  log: DnsLogger;
  /** A datagram read by libuv (the fast path's onmessage); its buffer is the handler's to keep. */
  onPacket: BatchPacketHandler;
  /** A datagram of a native batch; its buffer is reused once the handler returns. */
  onBatchPacket: BatchPacketHandler;
}

/**
 * Chooses and starts the UDP path of a bound socket, best first: the native batch (recvmmsg and
 * sendmmsg, decision 017) rides on the fast path (decision 009), whose per-datagram read is what
 * wakes it; the fast path alone; else dgram's public API (the 'message' listener DnsServer set).
 * Each step down logs one line saying why. Throws, leaving the socket untouched, when the native
 * path is required (`native: true` or SVCNET_DNS_NATIVE=1) and cannot run.
 */
export function startUdpPaths(socket: dgram.Socket, o: UdpPathOptions): StartedUdpPath {
  const want = o.native ?? nativeSetting();
  const required = (why: string) =>
    new DnsError('NativeUnavailable', `plugin/bind: the native UDP path is required (udpNative or SVCNET_DNS_NATIVE=1) but cannot run: ${why}; see \`node packages/dns/scripts/build-native.mjs --check\`, or unset SVCNET_DNS_NATIVE`);
  let why: string | undefined;
  let loaded: ReturnType<typeof loadUdpBatchAddon> | undefined;
  if (want === false) why = o.native === false ? 'udpNative is false' : 'SVCNET_DNS_NATIVE=0';
  else if (!o.fastPath) why = 'it rides on the UDP fast path, which udpFastPath: false turns off';
  else {
    loaded = loadUdpBatchAddon();
    if ('reason' in loaded) why = loaded.reason;
  }
  if (want === true && why) throw required(why);
  if (!o.fastPath) return { path: 'dgram' };
  const { onPacket, onBatchPacket, log } = o;
  let batch: UdpBatch | undefined;
  let failed = false;
  const handler: BatchPacketHandler = (m, r, send) => {
    onPacket(m, r, send);
    if (batch === undefined) return;
    try {
      batch.drain(onBatchPacket);
    } catch (e) {
      // Called from C++ (the handle's onmessage): a throw would end the process.
      if (!failed) log.warn({ err: (e as Error)?.message ?? String(e) }, 'dns udp batch failed; this wake-up\'s other datagrams are read one by one');
      failed = true;
    }
  };
  if (!fastUdp(socket, handler)) {
    if (want === true) throw required('this Node\'s dgram internals were not recognised (see udpFastPath.ts)');
    log.warn(
      { node: process.version },
      'dns udp fast path is off: this Node\'s dgram internals were not recognised (or process.binding is refused), so UDP uses dgram\'s public API: same answers, but more CPU per query (about a fifth more in the README benchmark) and so less headroom under load; see udpFastPath.ts',
    );
    return { path: 'dgram' };
  }
  if (loaded && 'addon' in loaded) {
    const fd = udpFd(socket);
    if (fd === undefined) why = 'the UDP socket\'s file descriptor is not reachable on this Node (see udpFastPath.ts)';
    else batch = new UdpBatch(loaded.addon, socket, fd);
  }
  if (batch) return { path: 'native-batch', batch };
  if (want === true) throw required(why!);
  // Turned off on purpose (udpNative: false, SVCNET_DNS_NATIVE=0): nothing to warn about.
  if (want !== false) log.warn({ reason: why }, `dns udp batching (recvmmsg/sendmmsg) is off: ${why}; UDP is read one datagram at a time (same answers, more CPU per query; see docs/decisions/017)`);
  return { path: 'fast-path' };
}
