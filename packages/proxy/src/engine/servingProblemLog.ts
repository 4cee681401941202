import { servingProblemText, type ServingProblem } from '../core/servingProblem.js';
import type { IPFamily } from '../core/types.js';
import type { ProxierLogger } from './proxierLogger.js';

/**
 * Logs each serving problem once: when it appears or its reason or message changes, and once when
 * it is gone. Every sync hands over the current list; a problem that persists across syncs (an
 * externalIP of another node, retried each sync) is not logged again.
 */
export class ServingProblemLog {
  private logged = new Map<string, ServingProblem>();

  constructor(
    private readonly mode: string,
    private readonly family: IPFamily,
    private readonly logger: ProxierLogger,
  ) {}

  update(problems: readonly ServingProblem[]): void {
    const now = new Map(problems.map((p) => [p.address, p]));
    const fields = (p: ServingProblem) => ({ mode: this.mode, family: this.family, service: p.service, address: p.address, reason: p.reason, ...(p.servedAt ? { servedAt: p.servedAt } : {}) });
    for (const [address, p] of now) {
      const before = this.logged.get(address);
      if (before && before.reason === p.reason && before.message === p.message) continue;
      const line = `${this.mode} proxy: ${servingProblemText(p)}`;
      if (p.unhealthy) this.logger.error(fields(p), line);
      else this.logger.warn(fields(p), line);
    }
    for (const [address, p] of this.logged) {
      if (!now.has(address)) this.logger.info(fields(p), `${this.mode} proxy: ${address} (${p.service}) is served as asked now, or no longer asked for`);
    }
    this.logged = now;
  }
}
