import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  readonly code = 'BodyTooLarge';
  constructor(limit: number) {
    super(`ingress: request body exceeds the limit of ${limit} bytes (raise maxBodyBytes)`);
  }
}

/**
 * The request body as an iterable that reads the client only when undici starts sending it. A
 * request that fails to connect and is retried on another endpoint has therefore consumed nothing,
 * and undici tearing down an unstarted body never destroys the client's socket.
 */
export function lazyBody(req: IncomingMessage, limit: number): AsyncIterable<Buffer> {
  return {
    [Symbol.asyncIterator]() {
      let it: AsyncIterator<Buffer> | undefined;
      let seen = 0;
      return {
        async next() {
          it ??= (req as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
          const r = await it.next();
          if (!r.done) {
            seen += r.value.length;
            if (seen > limit) throw new BodyTooLargeError(limit);
          }
          return r;
        },
        async return() {
          // Leave the client stream alone: the server answers (413/502) and then closes or drains.
          return { done: true, value: undefined };
        },
      };
    },
  };
}
