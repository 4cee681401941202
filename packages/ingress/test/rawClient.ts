import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

/** One response as read off the wire: the head text exactly as sent, and the body bytes (de-chunked). */
export interface WireResponse {
  status: number;
  head: string;
  body: string;
}

/**
 * Splits responses off the front of `buf` (latin1 text). `noBody[i]`: response i answers a HEAD.
 * Returns the responses found and the bytes left; an unframed body runs to `closed`.
 */
export function splitResponses(buf: string, noBody: readonly boolean[], closed: boolean): { responses: WireResponse[]; rest: string } {
  const responses: WireResponse[] = [];
  let pos = 0;
  for (;;) {
    const end = buf.indexOf('\r\n\r\n', pos);
    if (end < 0) break;
    const head = buf.slice(pos, end);
    const status = Number(head.slice(9, 12));
    const headers = head.toLowerCase();
    let bodyStart = end + 4;
    let body = '';
    const length = /\r\ncontent-length: *(\d+)/.exec(headers);
    if (noBody[responses.length] || status === 204 || status === 304) {
      // no body
    } else if (/\r\ntransfer-encoding: *chunked/.test(headers)) {
      let p = bodyStart;
      let done = false;
      for (;;) {
        const eol = buf.indexOf('\r\n', p);
        if (eol < 0) break;
        const size = parseInt(buf.slice(p, eol), 16);
        if (size === 0) {
          if (buf.length < eol + 4) break;
          p = eol + 4;
          done = true;
          break;
        }
        if (buf.length < eol + 2 + size + 2) break;
        body += buf.slice(eol + 2, eol + 2 + size);
        p = eol + 2 + size + 2;
      }
      if (!done) break;
      bodyStart = p;
    } else if (length) {
      const n = Number(length[1]);
      if (buf.length < bodyStart + n) break;
      body = buf.slice(bodyStart, bodyStart + n);
      bodyStart += n;
    } else {
      if (!closed) break;
      body = buf.slice(bodyStart);
      bodyStart = buf.length;
    }
    responses.push({ status, head, body });
    pos = bodyStart;
  }
  return { responses, rest: buf.slice(pos) };
}

/**
 * Writes `chunks` (each after the previous, `gapMs` apart) on one connection and resolves with
 * `count` responses, or with what came before the connection closed. `end`: half-close after writing.
 * `tls`: over TLS with this SNI name (any certificate accepted).
 */
export async function exchange(
  port: number,
  chunks: readonly string[],
  count: number,
  opts: { noBody?: boolean[]; end?: boolean; gapMs?: number; timeoutMs?: number; tls?: string } = {},
): Promise<{ responses: WireResponse[]; closed: boolean; socket: Socket }> {
  const sock = opts.tls === undefined ? connect(port, '127.0.0.1') : tlsConnect({ host: '127.0.0.1', port, servername: opts.tls, rejectUnauthorized: false });
  sock.on('error', () => undefined);
  let buf = '';
  let closed = false;
  const result = await new Promise<WireResponse[]>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timeout after ${JSON.stringify(buf.slice(0, 500))}`)), opts.timeoutMs ?? 5000);
    const check = () => {
      const { responses } = splitResponses(buf, opts.noBody ?? [], closed);
      if (responses.length >= count || closed) {
        clearTimeout(t);
        resolve(responses);
      }
    };
    sock.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      check();
    });
    sock.on('close', () => {
      closed = true;
      check();
    });
    void (async () => {
      for (const c of chunks) {
        if (opts.gapMs) await new Promise((r) => setTimeout(r, opts.gapMs));
        sock.write(c, 'latin1');
      }
      if (opts.end) sock.end();
    })();
  });
  return { responses: result, closed, socket: sock };
}

/** A GET/HEAD request head. */
export function request(target: string, host: string, extra = '', method = 'GET'): string {
  return `${method} ${target} HTTP/1.1\r\nHost: ${host}\r\n${extra}\r\n`;
}
