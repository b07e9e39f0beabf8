/** aws-local-stepfunctions 3 calls Promise.withResolvers, which Node 20 lacks (Node 22 has it). */
const P = Promise as unknown as { withResolvers?: unknown };
if (typeof P.withResolvers !== 'function') {
  P.withResolvers = function withResolvers<T>() {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

/**
 * Task timeouts come from the spec (shared/study/timeouts.ts) and reach a year, which AWS allows;
 * aws-local-stepfunctions waits for them with one setTimeout, and Node fires a delay above
 * 2^31 - 1 ms (24.8 days) after 1 ms instead. Clamped here: on a laptop such a timeout is 24.8 days.
 */
const maxTimerMs = 2 ** 31 - 1;
const clampedTimeout = globalThis.setTimeout;
if (!(clampedTimeout as { rungClamped?: boolean }).rungClamped) {
  const wrapped = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) =>
    clampedTimeout(handler, typeof ms === 'number' && ms > maxTimerMs ? maxTimerMs : ms, ...args)) as typeof setTimeout;
  Object.assign(wrapped, clampedTimeout, { rungClamped: true });
  globalThis.setTimeout = wrapped;
}
export {};
