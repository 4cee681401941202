import { randomUUID } from 'node:crypto';
import { shapeErrors, type Kind, type KubeObject } from '@svcnet/model';

/** pino-compatible logging surface (pino's `logger.error({ ... }, msg)`). */
export interface StoreLogger {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** One JSON line per event on stderr, in pino's shape, when no logger is given. */
export const stderrLogger: StoreLogger = {
  error: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 50, time: Date.now(), name: 'svcnet-store', ...obj, msg })}\n`),
  warn: (obj, msg) => process.stderr.write(`${JSON.stringify({ level: 40, time: Date.now(), name: 'svcnet-store', ...obj, msg })}\n`),
};

/**
 * Decodes a stored object, or undefined (logged) when what Redis holds is not a `kind` object the
 * store wrote: a raw `HSET` or `XADD` by hand (or a client with the store's Redis credentials but
 * not its code) must not crash every consumer's sync loop. Read-back passes the same shape check
 * as a write (model's shapeErrors: strings where strings go, lists where lists go), so consumers
 * only ever see objects of the shape admission lets through; a malformed one is skipped and
 * logged, and lists and watches carry on with the rest.
 */
export function decodeObject(kind: Kind, text: string, logger: StoreLogger, where: string): KubeObject | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    logger.error({ kind, where, err: (e as Error).message }, `store: skipping ${kind} in ${where}: not JSON`);
    return undefined;
  }
  const o = obj as KubeObject;
  const problem =
    typeof obj !== 'object' || obj === null || Array.isArray(obj) ? 'not an object'
    : o.kind !== kind ? `kind is ${JSON.stringify(o.kind)}`
    : typeof o.metadata?.name !== 'string' || !o.metadata.name ? 'metadata.name is missing'
    : !/^\d+$/.test(o.metadata.resourceVersion ?? '') ? 'metadata.resourceVersion is not a revision'
    : shapeProblem(kind, o);
  if (problem) {
    logger.error({ kind, where, name: o?.metadata?.name }, `store: skipping ${kind} in ${where}: ${problem}; rewrite it through the store API`);
    return undefined;
  }
  return o;
}

/** The first few shape errors, as one line for the log, or undefined when the shape is right. */
function shapeProblem(kind: Kind, obj: KubeObject): string | undefined {
  const errors = shapeErrors(kind, obj as unknown as Record<string, unknown>);
  if (errors.length === 0) return undefined;
  const shown = errors.slice(0, 3).map(String).join('; ');
  return errors.length > 3 ? `${shown}; and ${errors.length - 3} more` : shown;
}

/**
 * Splits `JSON.stringify(obj)` around its resourceVersion so the write script can splice in the
 * revision it allocates (`head .. rev .. tail`) without decoding JSON in Lua. `ownMetadata`: the
 * caller owns `obj.metadata` and stamps the real resourceVersion before anyone else sees the object
 * (the write paths do, with withRevision), so the marker is set in place instead of copying two levels.
 */
export function encodeWithRevisionSlot(obj: KubeObject, ownMetadata = false): { head: string; tail: string } {
  for (;;) {
    const marker = slotMarker;
    let text: string;
    if (ownMetadata) {
      (obj.metadata as { resourceVersion?: string }).resourceVersion = marker;
      text = JSON.stringify(obj);
    } else text = JSON.stringify({ ...obj, metadata: { ...obj.metadata, resourceVersion: marker } });
    const quoted = `"${marker}"`;
    const at = text.indexOf(quoted);
    // The marker is random per process; should the object itself contain it, draw another one.
    if (text.indexOf(quoted, at + 1) < 0) return { head: text.slice(0, at + 1), tail: text.slice(at + 1 + marker.length) };
    slotMarker = newMarker();
  }
}

const newMarker = () => `rv-slot-${randomUUID()}`;
let slotMarker = newMarker();
