import { destination, pino, stdTimeFunctions, type Logger } from 'pino';

/** JSON lines on stderr, one per event, with the node name on every line. */
export function createLogger(level: string, node: string, to: NodeJS.WritableStream | number = 2): Logger {
  const dest = typeof to === 'number' ? destination({ fd: to, sync: true }) : to;
  return pino({ name: 'svcnet-agent', level, base: { node, pid: process.pid }, timestamp: stdTimeFunctions.isoTime }, dest);
}
