import * as http from 'node:http';
import * as https from 'node:https';
import type { KubeConfig, KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';

/** An error from the API server with its HTTP status (client-node's informer treats 410 as "relist"). */
export class ApiRequestError extends Error {
  readonly code = 'ApiRequest';
  constructor(
    message: string,
    readonly statusCode?: number,
  ) {
    super(message);
    this.name = 'ApiRequestError';
  }
}

/**
 * Lists a collection as raw JSON, page by page (limit/continue, as client-go's pager does), with the
 * kubeconfig's credentials, CA and proxy. Raw, because the typed client turns timestamps into Date
 * objects and drops fields it does not know; the store keeps objects exactly as the API serves them.
 */
export async function listRaw<T extends KubernetesObject>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  options: { pageSize?: number; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<KubernetesListObject<T>> {
  const items: T[] = [];
  let first: KubernetesListObject<T> | undefined;
  let cont: string | undefined;
  for (let page = 0; page < 100_000; page++) {
    const list = await getJSON<KubernetesListObject<T>>(kc, path, { ...query, limit: String(options.pageSize ?? 500), continue: cont }, options);
    first ??= list;
    items.push(...(list.items ?? []));
    cont = list.metadata?._continue ?? (list.metadata as { continue?: string } | undefined)?.continue;
    if (!cont) break;
  }
  // A paged list is consistent at the first page's resourceVersion.
  return { ...first!, items, metadata: { resourceVersion: first!.metadata?.resourceVersion } };
}

async function getJSON<T>(
  kc: KubeConfig,
  path: string,
  query: Record<string, string | undefined>,
  options: { timeoutMs?: number; signal?: AbortSignal },
): Promise<T> {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new ApiRequestError('kubeconfig has no current cluster: set current-context or pass a context');
  const url = new URL(cluster.server.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query)) if (v !== undefined && v !== '') url.searchParams.set(k, v);
  const opts: https.RequestOptions = {};
  await kc.applyToHTTPSOptions(opts);
  const request = url.protocol === 'http:' ? http.request : https.request;
  return new Promise<T>((resolve, reject) => {
    const req = request(
      url,
      { ...opts, method: 'GET', headers: { ...opts.headers, accept: 'application/json' }, timeout: options.timeoutMs ?? 60_000, signal: options.signal },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode !== 200) {
            let message = text.slice(0, 300);
            try {
              message = (JSON.parse(text) as { message?: string }).message ?? message;
            } catch {
              // not a Status object: keep the raw text
            }
            reject(new ApiRequestError(`GET ${url.pathname}: ${res.statusCode} ${message}`, res.statusCode));
            return;
          }
          try {
            resolve(JSON.parse(text) as T);
          } catch (e) {
            reject(new ApiRequestError(`GET ${url.pathname}: response is not JSON: ${(e as Error).message}`, res.statusCode));
          }
        });
      },
    );
    req.on('timeout', () => req.destroy(new ApiRequestError(`GET ${url.pathname}: no response within ${options.timeoutMs ?? 60_000} ms`)));
    req.on('error', reject);
    req.end();
  });
}
