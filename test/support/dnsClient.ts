// Raw DNS over UDP and TCP to a server on 127.0.0.1, for fuzzing and for "still answers" checks.
import dgram from 'node:dgram';
import net from 'node:net';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import packet from 'dns-packet';

const run = promisify(execFile);

export function query(name: string, type: 'A' | 'SRV' | 'AAAA' = 'A', id = 4242): Buffer {
  return packet.encode({ type: 'query', id, flags: packet.RECURSION_DESIRED, questions: [{ type, name, class: 'IN' }] });
}

/** One datagram out, the first reply back (or undefined after `ms`). */
export function udpAsk(port: number, b: Buffer, ms = 500): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const t = setTimeout(() => {
      s.close();
      resolve(undefined);
    }, ms);
    s.on('message', (m) => {
      clearTimeout(t);
      s.close();
      resolve(m);
    });
    s.send(b, port, '127.0.0.1');
  });
}

/** Writes raw bytes on a TCP connection and collects what comes back until close or `ms`. */
export function tcpRaw(port: number, b: Buffer, ms = 500): Promise<{ data: Buffer; closed: boolean }> {
  return new Promise((resolve) => {
    const c = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    let closed = false;
    const t = setTimeout(() => {
      c.destroy();
      resolve({ data: Buffer.concat(chunks), closed });
    }, ms);
    c.on('data', (d) => chunks.push(d));
    c.on('error', () => undefined);
    c.on('close', () => {
      closed = true;
      clearTimeout(t);
      resolve({ data: Buffer.concat(chunks), closed });
    });
    c.write(b);
  });
}

export function framed(b: Buffer): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(b.length & 0xffff);
  return Buffer.concat([len, b]);
}

/** A/AAAA/SRV answers of a reply, decoded (throws on a malformed reply). */
export function answersOf(reply: Buffer | undefined): string[] {
  if (!reply) return [];
  const m = packet.decode(reply);
  return (m.answers ?? []).map((ans) => {
    const a = ans as { type: string; data?: unknown };
    return `${a.type} ${typeof a.data === 'string' ? a.data : JSON.stringify(a.data)}`;
  });
}

export async function digShort(port: number, name: string, tcp = false): Promise<string[]> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=2', '+short', ...(tcp ? ['+tcp'] : []), name], { timeout: 15_000 });
  return stdout.split('\n').filter(Boolean).sort();
}
