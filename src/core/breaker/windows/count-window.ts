import { FLAG_FAILURE, FLAG_SLOW } from '../state.js';
import type { SlidingWindow, WindowData } from '../state.js';

/**
 * A sliding window over the last `size` calls: a ring of one flag byte per call and three running
 * counters. Adding a call subtracts the flags of the call it overwrites, so every operation is O(1)
 * and memory is fixed at `size` bytes.
 */
export class CountWindow implements SlidingWindow {
  calls = 0;
  failures = 0;
  slowCalls = 0;
  readonly #ring: Uint8Array;
  #head = 0;

  /** @param size calls the window holds (integer >= 1). */
  constructor(size: number) {
    this.#ring = new Uint8Array(size);
  }

  add(flags: number, _nowMs: number): void {
    const ring = this.#ring;
    const head = this.#head;
    if (this.calls === ring.length) {
      // Full: the slot under `head` is the oldest call; it leaves the window now.
      const old = ring[head] as number;
      this.failures -= old & FLAG_FAILURE;
      this.slowCalls -= (old & FLAG_SLOW) >> 1;
    } else {
      this.calls++;
    }
    ring[head] = flags;
    this.failures += flags & FLAG_FAILURE;
    this.slowCalls += (flags & FLAG_SLOW) >> 1;
    this.#head = head + 1 === ring.length ? 0 : head + 1;
  }

  advance(_nowMs: number): void {
    // A count window does not age.
  }

  reset(): void {
    this.#ring.fill(0);
    this.#head = 0;
    this.calls = 0;
    this.failures = 0;
    this.slowCalls = 0;
  }

  exportData(_nowMs: number): WindowData {
    const ring = this.#ring;
    const flags: number[] = [];
    const start = this.calls === ring.length ? this.#head : 0;
    for (let i = 0; i < this.calls; i++) flags.push(ring[(start + i) % ring.length] as number);
    return { type: 'count', flags };
  }

  importData(data: WindowData, nowMs: number, _ageOffsetMs: number): void {
    if (data.type !== 'count') return;
    // Keep the newest calls when the window shrank since the snapshot.
    const from = Math.max(0, data.flags.length - this.#ring.length);
    for (let i = from; i < data.flags.length; i++) {
      this.add((data.flags[i] as number) & (FLAG_FAILURE | FLAG_SLOW), nowMs);
    }
  }
}
