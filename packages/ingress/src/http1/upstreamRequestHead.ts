import type { TrustedProxies } from './clientAddress.js';
import { forwardedValues } from './forwardHeaders.js';
import { EDIT_FIELDS, LineEdit } from './requestHeadParser.js';
import type { RequestHeadScan } from './requestHeadParser.js';
import { newRequestId, writeNewRequestId } from './requestIds.js';

const ascii = (s: string): Buffer => Buffer.from(s, 'latin1');
const GET_SP = ascii('GET ');
const HEAD_SP = ascii('HEAD ');
const SP_HTTP11_CRLF = ascii(' HTTP/1.1\r\n');
const ID_DIGITS = 32;
/**
 * Ranges longer than this are copied by Buffer#copy; shorter ones by a loop, because Buffer#copy
 * makes a typed-array view per call, which costs about as much as copying ~100 bytes one by one.
 */
const LOOP_COPY_MAX = 96;

function copy(src: Buffer, from: number, to: number, out: Buffer, pos: number): number {
  const n = to - from;
  if (n > LOOP_COPY_MAX) src.copy(out, pos, from, to);
  else for (let i = 0; i < n; i++) out[pos + i] = src[from + i]!;
  return pos + n;
}

/** Whether buf[from, to) equals `bytes` from offset `at`. */
function sameBytes(buf: Buffer, from: number, to: number, bytes: Buffer, at: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] !== bytes[at + i - from]) return false;
  return true;
}

/**
 * Builds the request head sent to an endpoint for one client connection's fast-path requests, as
 * bytes, byte-identical to node:http's path (`requestHead(method, forward, forwardRequestHeaders(...))`):
 * the request line, the client's header lines copied as byte ranges (hop-by-hop and X-Forwarded-*
 * lines dropped, lines with unusual whitespace rewritten as `Name: value`), then X-Forwarded-For,
 * X-Real-IP, X-Forwarded-Host, -Port, -Proto and X-Request-ID (forwardedValues: the client's
 * X-Forwarded-* values count only from a trusted peer). The lines that depend only on the
 * connection are encoded once per connection.
 */
export class UpstreamHeadWriter {
  /** The id generated for the last head written (what logs and error answers name). */
  requestId = '';
  private readonly trustedPeer: boolean;
  private readonly port: string;
  /** `X-Forwarded-For: <peer>\r\nX-Real-IP: <peer>\r\nX-Forwarded-Host: `, for requests without X-Forwarded-* lines. */
  private readonly beforeHost: string;
  /** `\r\nX-Forwarded-Port: <port>\r\nX-Forwarded-Proto: <proto>\r\nX-Request-ID: `. */
  private readonly afterHost: string;
  /**
   * beforeHost, the last Host value seen, afterHost: a connection usually sends one Host throughout.
   * In its own memory (not Node's Buffer pool), as it lives as long as the connection.
   */
  private hostLines: Buffer | undefined;

  constructor(
    private readonly peer: string,
    private readonly trusted: TrustedProxies,
    localPort: number,
    private readonly proto: 'http' | 'https',
  ) {
    this.trustedPeer = trusted.trusts(peer);
    this.port = String(localPort);
    this.beforeHost = `X-Forwarded-For: ${peer}\r\nX-Real-IP: ${peer}\r\nX-Forwarded-Host: `;
    this.afterHost = `\r\nX-Forwarded-Port: ${this.port}\r\nX-Forwarded-Proto: ${proto}\r\nX-Request-ID: `;
  }

  /**
   * The upstream head for a scanned request; `forward` is the target to send when it is not the
   * client's own (a normalised path), as latin1 bytes. Sets `requestId`.
   */
  write(head: RequestHeadScan, forward: Uint8Array | undefined): Buffer {
    const edits = head.edits;
    const lineLength = forward ? (head.method === 'GET' ? GET_SP : HEAD_SP).length + forward.length + SP_HTTP11_CRLF.length : head.headersStart - head.start;
    let headersLength = head.headersEnd - head.headersStart;
    let forwarded = false;
    let rewrites = false;
    if (edits) {
      for (let i = 0; i < edits.length; i += EDIT_FIELDS) {
        const kind = edits[i]!;
        const lineStart = edits[i + 1]!;
        headersLength -= edits[i + 5]! - lineStart;
        if (kind === LineEdit.Rewrite) {
          headersLength += edits[i + 2]! - lineStart + 2 + edits[i + 4]! - edits[i + 3]! + 2;
          rewrites = true;
        } else if (kind === LineEdit.RequestId || (kind !== LineEdit.Drop && this.trustedPeer)) {
          // Values to work out. An untrusted peer's X-Forwarded-* lines are only dropped: the
          // connection's own lines (hostLinesFor) say what forwardedValues says for that peer.
          forwarded = true;
        }
      }
    }
    if (forwarded) return this.writeForwarded(head, forward, lineLength + headersLength);
    const hostLines = this.hostLinesFor(head);
    const length = lineLength + headersLength + hostLines.length + ID_DIGITS + 4;
    const out = Buffer.allocUnsafe(length);
    const buf = head.buf;
    // Usually the client's buffer holds just this head: it is copied whole, in one native call with
    // no view, and dropped lines are closed up inside `out` (each run moves left, never over a byte
    // it still needs).
    let pos = head.start === 0 && !forward && !rewrites && buf.length <= length ? this.closeUp(head, out) : this.headerLines(head, forward, out);
    out.set(hostLines, pos);
    pos += hostLines.length;
    this.requestId = writeNewRequestId(out, pos);
    pos += ID_DIGITS;
    out[pos] = 13;
    out[pos + 1] = 10;
    out[pos + 2] = 13;
    out[pos + 3] = 10;
    return out;
  }

  /** Writes the request line and the client's header lines; returns the offset after them. */
  private headerLines(head: RequestHeadScan, forward: Uint8Array | undefined, out: Buffer): number {
    const buf = head.buf;
    let pos = 0;
    let from = head.start;
    if (forward) {
      const method = head.method === 'GET' ? GET_SP : HEAD_SP;
      out.set(method, 0);
      out.set(forward, method.length);
      out.set(SP_HTTP11_CRLF, method.length + forward.length);
      pos = method.length + forward.length + SP_HTTP11_CRLF.length;
      from = head.headersStart;
    }
    const edits = head.edits;
    if (edits) {
      for (let i = 0; i < edits.length; i += EDIT_FIELDS) {
        pos = copy(buf, from, edits[i + 1]!, out, pos);
        if (edits[i] === LineEdit.Rewrite) {
          pos = copy(buf, edits[i + 1]!, edits[i + 2]!, out, pos);
          out[pos++] = 58;
          out[pos++] = 32;
          pos = copy(buf, edits[i + 3]!, edits[i + 4]!, out, pos);
          out[pos++] = 13;
          out[pos++] = 10;
        }
        from = edits[i + 5]!;
      }
    }
    return copy(buf, from, head.headersEnd, out, pos);
  }

  /** headerLines when `out` starts with a copy of the client's buffer and no line is rewritten. */
  private closeUp(head: RequestHeadScan, out: Buffer): number {
    out.set(head.buf, 0);
    const edits = head.edits;
    if (!edits) return head.headersEnd;
    let pos = edits[1]!;
    for (let i = 0; i < edits.length; i += EDIT_FIELDS) {
      const from = edits[i + 5]!;
      const to = i + EDIT_FIELDS < edits.length ? edits[i + EDIT_FIELDS + 1]! : head.headersEnd;
      out.copyWithin(pos, from, to);
      pos += to - from;
    }
    return pos;
  }

  private hostLinesFor(head: RequestHeadScan): Buffer {
    const { buf, hostStart, hostEnd } = head;
    const before = this.beforeHost.length;
    const lines = this.hostLines;
    if (lines && lines.length === before + hostEnd - hostStart + this.afterHost.length && sameBytes(buf, hostStart, hostEnd, lines, before)) return lines;
    const fresh = Buffer.allocUnsafeSlow(before + hostEnd - hostStart + this.afterHost.length);
    fresh.write(this.beforeHost, 0, 'latin1');
    buf.copy(fresh, before, hostStart, hostEnd);
    fresh.write(this.afterHost, before + hostEnd - hostStart, 'latin1');
    this.hostLines = fresh;
    return fresh;
  }

  /** A request carrying X-Request-ID, or a trusted peer's X-Forwarded-* lines: their values are worked out as strings. */
  private writeForwarded(head: RequestHeadScan, forward: Uint8Array | undefined, length: number): Buffer {
    const buf = head.buf;
    const edits = head.edits!;
    let xff: string | undefined;
    let fHost: string | undefined;
    let fPort: string | undefined;
    let fProto: string | undefined;
    let clientId: string | undefined;
    for (let i = 0; i < edits.length; i += EDIT_FIELDS) {
      const kind = edits[i]!;
      if (kind === LineEdit.Rewrite || kind === LineEdit.Drop) continue;
      const value = buf.toString('latin1', edits[i + 3]!, edits[i + 4]!);
      if (kind === LineEdit.ForwardedFor) xff = xff === undefined ? value : `${xff}, ${value}`;
      else if (kind === LineEdit.ForwardedHost) fHost = value;
      else if (kind === LineEdit.ForwardedPort) fPort = value;
      else if (kind === LineEdit.ForwardedProto) fProto = value;
      else clientId = value;
    }
    this.requestId = newRequestId();
    const host = buf.toString('latin1', head.hostStart, head.hostEnd);
    const v = forwardedValues(this.peer, this.trustedPeer, this.trusted, xff, host, fHost, fPort, fProto, this.port, this.proto, clientId || this.requestId);
    const tail =
      `X-Forwarded-For: ${v.forwardedFor}\r\nX-Real-IP: ${v.client}\r\nX-Forwarded-Host: ${v.host}\r\n` +
      `X-Forwarded-Port: ${v.port}\r\nX-Forwarded-Proto: ${v.proto}\r\nX-Request-ID: ${v.requestId}\r\n\r\n`;
    const out = Buffer.allocUnsafe(length + tail.length);
    out.write(tail, this.headerLines(head, forward, out), 'latin1');
    return out;
  }
}
