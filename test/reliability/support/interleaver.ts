import type { StudyStore } from '../../../shared/store/port.js';

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * A deterministic scheduler of store calls: every call waits at a gate, and the interleaver
 * releases one waiting call at a time, chosen by a seeded random source, after everything else
 * that can run without the store has run. On the in-memory store an interleaving is a function of
 * the seed; on dynalite released calls also overlap in flight.
 */
export class Interleaver {
  private readonly waiting: Array<() => void> = [];
  released = 0;

  constructor(private readonly random: () => number) {}

  gate(): Promise<void> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  /** Drives `work` to its end, releasing gated calls one by one. */
  async run<T>(work: Promise<T>): Promise<T> {
    let settled = false;
    work.then(
      () => (settled = true),
      () => (settled = true),
    );
    let idle = 0;
    while (!settled) {
      await turn();
      await turn();
      if (this.waiting.length === 0) {
        if (++idle > 200_000) throw new Error('the interleaver is stuck: nothing waits and nothing ends');
        continue;
      }
      idle = 0;
      const [release] = this.waiting.splice(Math.floor(this.random() * this.waiting.length), 1);
      this.released++;
      release();
    }
    return work;
  }
}

/** The store with every call gated by the interleaver. */
export function interleaved(inner: StudyStore, interleaver: Interleaver): StudyStore {
  return new Proxy(inner, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver) as unknown;
      if (typeof value !== 'function') return value;
      return async (...args: unknown[]) => {
        await interleaver.gate();
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
}
