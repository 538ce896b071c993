/**
 * Bounded concurrency with backpressure: the producer awaits {@link TaskPool.slot} before
 * starting a task, so at most `limit` tasks run and nothing is read ahead of them.
 */

/** Runs at most `limit` tasks at once. */
export class TaskPool {
  readonly limit: number;
  #running = 0;
  #waiters: (() => void)[] = [];
  #idle: (() => void)[] = [];
  #failure: { error: unknown } | undefined;

  /** @param limit tasks in flight at most (>= 1) */
  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`concurrency must be a positive integer, got ${limit}`);
    }
    this.limit = limit;
  }

  /** Tasks running now. */
  get running(): number {
    return this.#running;
  }

  /** The first error a task threw (tasks report per-item failures themselves; a throw is fatal). */
  get failure(): { error: unknown } | undefined {
    return this.#failure;
  }

  /**
   * Waits until a task may start. Resolves false, without a slot, when `signal` aborts first or
   * a task has failed.
   */
  async slot(signal?: AbortSignal): Promise<boolean> {
    while (this.#running >= this.limit) {
      if (signal?.aborted || this.#failure) return false;
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          signal?.removeEventListener('abort', wake);
          // On abort the waiter is still queued: drop it, or a finishing task would wake a
          // stale waiter instead of a live one.
          const at = this.#waiters.indexOf(wake);
          if (at !== -1) this.#waiters.splice(at, 1);
          resolve();
        };
        signal?.addEventListener('abort', wake, { once: true });
        this.#waiters.push(wake);
      });
    }
    return !(signal?.aborted ?? false) && !this.#failure;
  }

  /** Starts a task in a slot obtained from {@link slot}. */
  start(task: () => Promise<void>): void {
    this.#running++;
    void task()
      .catch((error: unknown) => {
        this.#failure ??= { error };
      })
      .finally(() => {
        this.#running--;
        this.#waiters.shift()?.();
        if (this.#failure) for (const w of this.#waiters.splice(0)) w();
        if (this.#running === 0) for (const w of this.#idle.splice(0)) w();
      });
  }

  /** Resolves when no task is running. */
  async drain(): Promise<void> {
    if (this.#running === 0) return;
    await new Promise<void>((resolve) => this.#idle.push(resolve));
  }
}
