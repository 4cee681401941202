import { connectStore, isStoreError, type Store, type StoreLogger } from '@svcnet/store';
import { CliError, UsageError } from '../cliErrors.js';

/**
 * The store's own log lines, as a command-line tool shows them: errors (an object the store skipped)
 * as one plain line; connection retries not at all, since connectStore fails fast with its own line.
 */
const cliLogger: StoreLogger = {
  error: (_obj, msg) => process.stderr.write(`svcnet: ${msg}\n`),
  warn: () => {},
};

/**
 * Runs `f` on the store at `--redis`, which must answer within 5 s (else one line and exit 1; exit 2
 * for a malformed URL), then closes it. `--redis-min-replicas`: writes wait for that many replicas
 * (a write they do not acknowledge within 2 s fails with one line and exit 1).
 */
export async function withStore<T>(flags: { redis?: string | undefined; redisMinReplicas?: number | undefined }, f: (store: Store) => Promise<T>): Promise<T> {
  const url = flags.redis;
  if (!url) {
    throw new UsageError(
      'this command works on the shared store that svcnet-agent writes: give --redis redis://HOST:6379 (or set SVCNET_REDIS). ' +
        'To see what manifests make without a store: svcnet validate|render ... -f PATH, or the dashboard: svcnet -f PATH',
    );
  }
  let store: Store;
  try {
    // One connection attempt per command: a refused connection is reported at once, not retried.
    store = await connectStore(url, { logger: cliLogger, timeoutMs: 5000, redis: { retryStrategy: () => null }, ...(flags.redisMinReplicas ? { minReplicas: flags.redisMinReplicas } : {}) });
  } catch (e) {
    // Unreachable: exit 1. A URL that is not a store URL at all is a usage error: exit 2.
    throw isStoreError(e) ? new CliError((e as Error).message) : new UsageError(`--redis: ${(e as Error).message}`);
  }
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}
