/**
 * Duplicate `custom_id` detection in O(1) per line and bounded memory: an open-addressing table
 * of 64-bit hashes of the ids (never the ids themselves) with the line that first used each.
 *
 * Memory: 12 bytes per slot, at most half the slots full, so about 24 bytes per distinct id at
 * worst (16 MiB for 1,000,000 ids when presized, up to 48 MiB just after a doubling).
 * A false duplicate needs two ids with the same 64-bit hash: about n²/2^65, 3·10⁻⁸ for
 * 1,000,000 ids. Detection is deterministic (same file, same verdicts), which the resume relies on.
 */

/** Two independent 32-bit lanes of a 64-bit string hash (cyrb53's mixing, both lanes kept). */
export function hashId(text: string): { hi: number; lo: number } {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < text.length; i++) {
    const ch = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ ch, 2654435761);
    h2 = Math.imul(h2 ^ ch, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return { hi: h1 >>> 0, lo: h2 >>> 0 };
}

const MIN_SLOTS = 1024;

function slotsFor(expected: number): number {
  let slots = MIN_SLOTS;
  while (slots < expected * 2) slots *= 2;
  return slots;
}

/** A set of custom_ids that remembers the first line of each. */
export class IdTable {
  #hi: Uint32Array;
  #lo: Uint32Array;
  /** 1-based line numbers; 0 marks an empty slot. */
  #line: Uint32Array;
  #size = 0;

  /** @param expectedIds presizes the table (no doubling below this many ids). @default 0 */
  constructor(expectedIds = 0) {
    const slots = slotsFor(expectedIds);
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#line = new Uint32Array(slots);
  }

  /** Distinct ids recorded. */
  get size(): number {
    return this.#size;
  }

  /** Bytes held by the table's arrays. */
  get memoryBytes(): number {
    return this.#line.length * 12;
  }

  /**
   * Records `id` as used by `lineNo`, unless it was used before.
   * @returns the earlier line that used it, or 0 when it is new (and now recorded)
   */
  claim(id: string, lineNo: number): number {
    if (lineNo < 1) throw new RangeError('lineNo must be >= 1');
    const { hi, lo } = hashId(id);
    const found = this.#find(hi, lo);
    const at = this.#line[found] as number;
    if (at !== 0) return at;
    this.#hi[found] = hi;
    this.#lo[found] = lo;
    this.#line[found] = lineNo;
    this.#size++;
    if (this.#size * 2 > this.#line.length) this.#grow();
    return 0;
  }

  /** The slot holding (hi, lo), or the empty slot where it belongs. */
  #find(hi: number, lo: number): number {
    const mask = this.#line.length - 1;
    let i = (lo ^ Math.imul(hi, 0x9e3779b1)) & mask;
    while (this.#line[i] !== 0 && (this.#hi[i] !== hi || this.#lo[i] !== lo)) i = (i + 1) & mask;
    return i;
  }

  #grow(): void {
    const oldHi = this.#hi;
    const oldLo = this.#lo;
    const oldLine = this.#line;
    const slots = oldLine.length * 2;
    this.#hi = new Uint32Array(slots);
    this.#lo = new Uint32Array(slots);
    this.#line = new Uint32Array(slots);
    for (let i = 0; i < oldLine.length; i++) {
      const line = oldLine[i] as number;
      if (line === 0) continue;
      const j = this.#find(oldHi[i] as number, oldLo[i] as number);
      this.#hi[j] = oldHi[i] as number;
      this.#lo[j] = oldLo[i] as number;
      this.#line[j] = line;
    }
  }
}

/** A growable set of line numbers, one bit each (125 KiB per 1,000,000 lines). */
export class LineSet {
  #bits = new Uint8Array(1024);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  has(lineNo: number): boolean {
    const byte = lineNo >>> 3;
    return byte < this.#bits.length && ((this.#bits[byte] as number) & (1 << (lineNo & 7))) !== 0;
  }

  /** @returns false when the line was already in the set */
  add(lineNo: number): boolean {
    const byte = lineNo >>> 3;
    if (byte >= this.#bits.length) {
      let length = this.#bits.length;
      while (length <= byte) length *= 2;
      const bigger = new Uint8Array(length);
      bigger.set(this.#bits);
      this.#bits = bigger;
    }
    const mask = 1 << (lineNo & 7);
    const old = this.#bits[byte] as number;
    if ((old & mask) !== 0) return false;
    this.#bits[byte] = old | mask;
    this.#size++;
    return true;
  }
}
