import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { describeWith, dig, redisServer } from '@svcnet/testkit';

// A newcomer's first hour: every shell command of the READMEs below, run as written from the
// repository root, must succeed. Commands that run until Ctrl-C (servers) are started, waited for,
// and stopped after the README's next blocks, as a user with two terminals would.

const REPO = join(import.meta.dirname, '..', '..', '..');
const READMES = ['README.md', 'apps/tui/README.md', 'packages/dns/README.md', 'packages/ingress/README.md'];

/** Commands the walkthrough does not run, and why (each is covered elsewhere). */
const NOT_RUN: { pattern: RegExp; why: string }[] = [
  { pattern: /^npm test\b/, why: 'the test suite itself' },
  { pattern: /^npm install -g\b/, why: 'a global install from the registry (the registry test covers installs)' },
  { pattern: /^npm install @svcnet\//, why: 'an install from the registry (the registry test covers installs)' },
  { pattern: /^npm run setup:system\b/, why: 'installs system packages; CI runs it before the tests' },
];

/** Long-running commands: started, waited for until they say they serve, stopped with SIGINT later. */
const SERVER = /\b(dns serve|ingress serve)\b/;
const SERVING = /serving/;

interface Command {
  readme: string;
  block: number;
  text: string;
}

/** The shell blocks of a README, each a list of commands (continuation lines joined, comments dropped). */
function shellBlocks(file: string): string[][] {
  const text = readFileSync(join(REPO, file), 'utf8');
  const blocks: string[][] = [];
  for (const m of text.matchAll(/^```(?:sh|bash|shell)\n([\s\S]*?)^```/gm)) {
    const lines = m[1]!.replace(/\\\n\s*/g, ' ').split('\n');
    blocks.push(lines.map((l) => l.replace(/(^|\s)#.*$/, '').trim()).filter(Boolean));
  }
  return blocks;
}

function run(cmd: string, timeoutMs: number): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', cmd], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const timer = setTimeout(() => kill(child, 'SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

function kill(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal); // the whole group: npx and the node process it starts
  } catch {
    // already gone
  }
}

/** Starts a server command and resolves once it says it serves (or rejects with what it printed). */
function startServer(cmd: string): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', cmd], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    const timer = setTimeout(() => {
      kill(child, 'SIGKILL');
      reject(new Error(`${cmd}: not serving within 90 s:\n${out}`));
    }, 90_000);
    const onData = (d: Buffer) => {
      out += d;
      if (SERVING.test(out)) {
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${cmd}: exited ${code} before serving:\n${out}`));
    });
  });
}

const servers: ChildProcess[] = [];
async function stopServers(): Promise<void> {
  for (const s of servers.splice(0)) {
    const exited = new Promise((r) => s.once('exit', r));
    kill(s, 'SIGINT');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    kill(s, 'SIGKILL');
  }
}
afterAll(stopServers);

describeWith('the READMEs, command by command, as a newcomer runs them', [dig, redisServer], () => {
  for (const readme of READMES) {
    const commands: Command[] = shellBlocks(readme).flatMap((lines, block) => lines.map((text) => ({ readme, block, text })));
    it(
      `${readme}: every command succeeds`,
      async () => {
        const failures: string[] = [];
        let lastBlock = -1;
        for (const c of commands) {
          const skip = NOT_RUN.find((n) => n.pattern.test(c.text));
          if (skip) {
            console.log(`[walkthrough] ${readme}: not run here: ${c.text} (${skip.why})`);
            continue;
          }
          // A server lives until the next server block starts (its clients are the blocks in between).
          if (SERVER.test(c.text)) {
            if (c.block !== lastBlock) await stopServers();
            servers.push(await startServer(c.text));
          } else {
            const r = await run(c.text, 180_000);
            if (r.code !== 0) failures.push(`${c.text}\n  exit ${r.code}: ${r.out.trim().split('\n').slice(-8).join('\n  ')}`);
          }
          lastBlock = c.block;
        }
        await stopServers();
        expect(failures, failures.join('\n')).toEqual([]);
        expect(commands.length).toBeGreaterThan(0);
      },
      900_000,
    );
  }
});
