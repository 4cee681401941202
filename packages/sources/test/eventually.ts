/** Polls `check` until it stops throwing, every 20 ms for at most `timeoutMs`; rethrows its last error. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > deadline || attempt > 10_000) throw e;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
