import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DigResult {
  status: string;
  flags: string[];
  answer: string[];
  authority: string[];
  additional: string[];
  /** The EDNS line (`; EDNS: version: 0, flags:; udp: 1232`), when the reply had an OPT record. */
  edns?: string;
  raw: string;
}

/** Runs the real `dig` against a server on loopback and parses its sections (records normalised to single spaces). */
export async function dig(port: number, args: string[]): Promise<DigResult> {
  const { stdout } = await run('dig', ['@127.0.0.1', '-p', String(port), '+time=2', '+tries=1', '+nocmd', '+nostats', ...args], { timeout: 15000 });
  const r: DigResult = { status: '', flags: [], answer: [], authority: [], additional: [], raw: stdout };
  let section: 'answer' | 'authority' | 'additional' | undefined;
  for (const line of stdout.split('\n')) {
    const st = /status: (\w+)/.exec(line);
    if (st) r.status = st[1]!;
    const fl = /;; flags: ([\w ]+);/.exec(line);
    if (fl) r.flags = fl[1]!.trim().split(/\s+/);
    if (line.startsWith('; EDNS:')) r.edns = line;
    if (line.startsWith(';; ANSWER SECTION')) section = 'answer';
    else if (line.startsWith(';; AUTHORITY SECTION')) section = 'authority';
    else if (line.startsWith(';; ADDITIONAL SECTION')) section = 'additional';
    else if (line.trim() === '' || line.startsWith(';')) {
      if (line.trim() === '') section = undefined;
    } else if (section) r[section].push(line.trim().replace(/\s+/g, ' '));
  }
  return r;
}
