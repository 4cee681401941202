#!/usr/bin/env node
import { CommanderError } from 'commander';
import { realpathSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { pathToFileURL } from 'node:url';
import { Agent } from './agent.js';
import { cleanupLeftovers } from './cleanup.js';
import { parseArgs, type AgentConfig } from './config.js';
import { ConfigError } from './errors.js';
import { serveRoutes, type Handler, type HttpEndpoint } from './httpServers.js';
import { createLogger } from './logger.js';
import { agentRoutes } from './routes.js';
import { collectOnceReady } from './startupCollection.js';
import { agentVersion } from './version.js';

/** `--write-config-to FILE|-`: the settings in effect, then exit 0 (1 when the file cannot be written). */
function writeConfig(path: string, document: string): number {
  if (path === '-') {
    process.stdout.write(document);
    return 0;
  }
  try {
    writeFileSync(path, document);
  } catch (e) {
    process.stderr.write(`svcnet-agent: --write-config-to ${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})\n`);
    return 1;
  }
  process.stderr.write(`svcnet-agent: wrote the settings in effect to ${path} (read them back with --config ${path})\n`);
  return 0;
}

/** Longest time SIGTERM handling may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 15_000;

/**
 * Runs svcnet-agent until SIGTERM/SIGINT. Exit codes: 0 done, 1 runtime failure, 2 bad flags or
 * config (commander's --help/--version are 0).
 */
export async function main(argv: readonly string[], signals: NodeJS.EventEmitter = process): Promise<number> {
  const version = agentVersion();
  let config: AgentConfig;
  try {
    config = parseArgs(argv, version);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof ConfigError) {
      // commander has already printed its own parse errors (with the --help hint).
      if (!(e.cause instanceof CommanderError)) process.stderr.write(`${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
  if (config.configDocument !== undefined) return writeConfig(config.writeConfigTo!, config.configDocument);
  const log = createLogger(config.logLevel, config.hostnameOverride || hostname());
  if (config.cleanup) return (await cleanupLeftovers(config, log)).length ? 1 : 0;

  let agent: Agent | undefined;
  let http: HttpEndpoint[] = [];
  // Listen for signals before anything starts: a SIGTERM that came before the handler would end the
  // process without stopping what it started.
  const stopped = new Promise<string>((resolve) => {
    signals.once('SIGTERM', () => resolve('SIGTERM'));
    signals.once('SIGINT', () => resolve('SIGINT'));
  });
  try {
    agent = new Agent(config, version, log);
    const routes = agentRoutes(agent);
    const byAddress = new Map<string, Map<string, Handler>>();
    if (config.healthzBindAddress) byAddress.set(config.healthzBindAddress, routes.healthz);
    if (config.metricsBindAddress) byAddress.set(config.metricsBindAddress, new Map([...(byAddress.get(config.metricsBindAddress) ?? []), ...routes.metrics]));
    http = await serveRoutes(byAddress);
    log.info({ http: http.map((h) => h.address) }, 'agent: health and metrics listening');
    // A signal during start-up is a stop the user asked for, not a failure: the agent stops what it
    // started and exits 0 (kube-proxy exits on SIGTERM whenever it comes).
    const starting = agent.start().then(() => undefined);
    const early = await Promise.race([starting, stopped]);
    if (early === undefined) {
      log.info({ node: agent.node }, 'agent: started');
      // Start-up's garbage, collected once the agent is ready (decision 018).
      const ready = agent;
      const collection = collectOnceReady(() => ready.isReady());
      void collection.done.then((r) => {
        if (r.collected) log.info({ heapUsedBefore: r.heapUsedBefore, heapUsedAfter: r.heapUsedAfter }, 'agent: collected start-up garbage once ready');
      });
      const signal = await stopped;
      collection.stop();
      log.info({ signal, cleanupOnExit: config.cleanupOnExit }, 'agent: stopping');
    } else {
      starting.catch(() => undefined); // stop() below ends the start; its failure is not news now
      log.info({ signal: early, cleanupOnExit: config.cleanupOnExit }, 'agent: stopping (signal during start-up)');
    }
  } catch (e) {
    const err = e as Error & { exitCode?: number };
    log.error({ err: err.message, code: (err as { code?: string }).code, stack: err.exitCode === undefined ? err.stack : undefined }, err.message);
    await shutdown(agent, http, config, log);
    return err.exitCode ?? 1;
  }
  const problems = await shutdown(agent, http, config, log);
  return problems.length ? 1 : 0;
}

async function shutdown(agent: Agent | undefined, http: HttpEndpoint[], config: AgentConfig, log: ReturnType<typeof createLogger>): Promise<string[]> {
  const timer = setTimeout(() => {
    log.error({ timeoutMs: SHUTDOWN_TIMEOUT_MS }, 'agent: shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_TIMEOUT_MS);
  timer.unref();
  const problems = agent ? await agent.stop({ cleanup: config.cleanupOnExit }) : [];
  await Promise.all(http.map((h) => h.close()));
  clearTimeout(timer);
  for (const p of problems) log.error({}, `shutdown: ${p}`);
  log.info({ problems: problems.length, rulesLeft: !config.cleanupOnExit }, 'agent: stopped');
  return problems;
}

function isEntry(): boolean {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}
/** Runs the agent as the `svcnet-agent` command: exits with main's code. */
export function runAsCommand(argv: readonly string[]): void {
  main(argv).then(
    (code) => process.exit(code),
    (e: Error) => {
      process.stderr.write(`svcnet-agent: ${e.stack ?? e.message}\n`);
      process.exit(1);
    },
  );
}

if (isEntry()) runAsCommand(process.argv.slice(2));
