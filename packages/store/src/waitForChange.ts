/**
 * Waits until a listener in `listeners` is called, `ms` pass, or a signal aborts; always removes what
 * it registered (no timer or listener outlives the wait).
 */
export function waitForChange(
  listeners: Set<() => void>,
  ms: number,
  signals: readonly (AbortSignal | undefined)[],
): Promise<'change' | 'timeout' | 'abort'> {
  return new Promise((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined);
    if (live.some((s) => s.aborted)) return resolve('abort');
    const done = (why: 'change' | 'timeout' | 'abort') => {
      clearTimeout(timer);
      listeners.delete(onChange);
      for (const s of live) s.removeEventListener('abort', onAbort);
      resolve(why);
    };
    const onChange = () => done('change');
    const onAbort = () => done('abort');
    const timer = setTimeout(() => done('timeout'), ms);
    listeners.add(onChange);
    for (const s of live) s.addEventListener('abort', onAbort, { once: true });
  });
}
