// The router's own work on one endpoint response, in process, without sockets: what the fast path
// does from the endpoint's bytes to the bytes written to the client (parse, check, rebuild the head,
// body inline). Prints ns per response for a small Node backend answer and a web app's.
//   node --conditions=@svcnet/source --import tsx packages/ingress/bench/response-path.ts [--iterations 200000]
import { BodyFraming, clientAnswer, keepAliveLines } from '../src/http1/clientResponseHead.js';
import { ResponseParser } from '../src/http1/responseParser.js';
import type { ResponseSink } from '../src/http1/responseParser.js';

const args = process.argv.slice(2);
const at = args.indexOf('--iterations');
const iterations = at >= 0 ? Number(args[at + 1]) : 200_000;

const responses = {
  'node backend': 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 21\r\nDate: Sun, 22 Nov 2026 08:00:00 GMT\r\nConnection: keep-alive\r\nKeep-Alive: timeout=120\r\n\r\nhello from backend a\n',
  'web app':
    'HTTP/1.1 200 OK\r\nServer: gunicorn\r\nDate: Sun, 22 Nov 2026 08:00:00 GMT\r\nConnection: keep-alive\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: 512\r\n' +
    'Cache-Control: private, max-age=0\r\nVary: Accept-Encoding, Cookie\r\nX-Frame-Options: DENY\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: same-origin\r\n' +
    'Set-Cookie: session=0123456789abcdef0123456789abcdef; Path=/; HttpOnly\r\n\r\n' + 'x'.repeat(512),
};

function time(label: string, fn: () => unknown): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0) / iterations;
  console.log(`${label.padEnd(48)}${ns.toFixed(0).padStart(8)} ns`);
}

const lines = keepAliveLines(5000);
/** outputBuffer asks only whether earlier writes still wait. */
const idleSocket = { holdsWrites: false };
for (const [name, text] of Object.entries(responses)) {
  const buf = Buffer.from(text, 'latin1');
  const parser = new ResponseParser();
  let out = 0;
  const sink: ResponseSink = {
    onRawHead(head, complete) {
      const framing = head.contentLength >= 0 ? BodyFraming.Length : BodyFraming.Chunked;
      out = clientAnswer(head, framing, lines, complete, idleSocket)!.length;
    },
    onBody() {},
    onEnd() {},
  };
  time(`response (${name}): parse + client head`, () => {
    parser.reset(sink, false);
    parser.execute(buf, true);
    return out;
  });
}
