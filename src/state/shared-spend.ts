/**
 * Today's spend per model and per client key, summed over the fleet in Redis, so a `usdPerDay`
 * budget holds across replicas rather than once per replica. Each replica adds what it spends
 * (INCRBYFLOAT, whose answer is the fleet's new total) and re-reads every total it has been asked
 * about on each sync: a replica sees the others' spend within one `syncMs`. Spend that could not
 * reach Redis is kept and sent when Redis answers again, so nothing is forgotten.
 */
import type { Redis } from 'ioredis';

/** Day keys outlive their day by a day, then expire. */
const DAY_TTL_S = 2 * 86_400;

export class FleetSpend {
  readonly #client: Redis;
  readonly #prefix: string;
  /** `day|field` → the fleet total as last read (own adds included once acknowledged). */
  readonly #fleet = new Map<string, number>();
  /** `day|field` → own adds sent and not acknowledged yet. */
  readonly #inFlight = new Map<string, number>();
  /** `day|field` → own adds Redis did not take (sent again by the next sync). */
  readonly #unsent = new Map<string, number>();
  /** Fields asked about: the sync keeps their fleet totals fresh. */
  readonly #watched = new Set<string>();

  constructor(client: Redis, prefix: string) {
    this.#client = client;
    this.#prefix = prefix;
  }

  add(day: string, field: string, usd: number): void {
    const id = `${day}|${field}`;
    this.#watched.add(id);
    bump(this.#inFlight, id, usd);
    this.#send(id, usd);
  }

  today(day: string, field: string): number | undefined {
    const id = `${day}|${field}`;
    this.#watched.add(id);
    const fleet = this.#fleet.get(id);
    const own = (this.#inFlight.get(id) ?? 0) + (this.#unsent.get(id) ?? 0);
    return fleet === undefined && own === 0 ? undefined : (fleet ?? 0) + own;
  }

  /** Re-reads every watched total and sends what Redis missed; part of the store's sync. */
  async sync(today: string): Promise<void> {
    for (const [id, usd] of this.#unsent) {
      this.#unsent.delete(id);
      bump(this.#inFlight, id, usd);
      this.#send(id, usd);
    }
    const ids = [...this.#watched].filter((id) => {
      if (id.startsWith(`${today}|`)) return true;
      this.#watched.delete(id); // an earlier day: nothing asks about it any more
      this.#fleet.delete(id);
      return false;
    });
    if (ids.length === 0) return;
    // One GET per total (not MGET): on a Cluster the totals live in different slots.
    const pipe = this.#client.pipeline();
    for (const id of ids) pipe.get(this.#key(id));
    const replies = (await pipe.exec()) ?? [];
    ids.forEach((id, i) => {
      const [error, value] = replies[i] ?? [null, null];
      if (error) throw error;
      const total = Number(value ?? 0);
      // Never lower what an INCRBYFLOAT answer already showed.
      this.#fleet.set(id, Math.max(this.#fleet.get(id) ?? 0, total));
    });
  }

  #send(id: string, usd: number): void {
    const key = this.#key(id);
    this.#client
      .multi()
      .incrbyfloat(key, usd)
      .expire(key, DAY_TTL_S)
      .exec()
      .then((replies) => {
        bump(this.#inFlight, id, -usd);
        const total = Number(replies?.[0]?.[1]);
        if (Number.isFinite(total)) this.#fleet.set(id, Math.max(this.#fleet.get(id) ?? 0, total));
      })
      .catch(() => {
        bump(this.#inFlight, id, -usd);
        bump(this.#unsent, id, usd);
      });
  }

  #key(id: string): string {
    const [day, field] = id.split('|') as [string, string];
    // Hash tag per field: a Cluster spreads totals over slots, one slot per total.
    return `${this.#prefix}spend:${day}:{${field}}`;
  }
}

function bump(map: Map<string, number>, id: string, usd: number): void {
  const next = (map.get(id) ?? 0) + usd;
  if (Math.abs(next) < 1e-12) map.delete(id);
  else map.set(id, next);
}
