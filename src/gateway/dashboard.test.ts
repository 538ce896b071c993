import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { setImmediate as tick } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import { DashboardFeed } from './dashboard.js';
import type { DashboardHistoryJson, DashboardSnapshot } from './dashboard.js';

/** Just what the feed uses of a ServerResponse; records the frames written. */
class FakeResponse extends EventEmitter {
  readonly frames: { history: boolean; atEpochMs: number }[] = [];
  writableNeedDrain = false;
  destroyed = false;
  writeHead(): this {
    return this;
  }
  write(chunk: string): boolean {
    const data = chunk.split('\n').find((l) => l.startsWith('data: '));
    if (data !== undefined) {
      const frame = JSON.parse(data.slice(6)) as { history?: unknown; atEpochMs: number };
      this.frames.push({ history: frame.history !== undefined, atEpochMs: frame.atEpochMs });
    }
    return true;
  }
  end(): this {
    return this;
  }
}

const SNAPSHOT: DashboardSnapshot = {
  atEpochMs: 1,
  deployments: [],
  transitions: [],
  flows: [],
  totals: { requests: 0, errors: 0, costUsd: 0 },
};

const HISTORY: DashboardHistoryJson = {
  bucketMs: 10_000,
  startEpochMs: 0,
  sinceEpochMs: 0,
  deployments: [],
  buckets: [],
  timeline: [],
};

test('the history goes to each viewer once per version; a skipped viewer gets it later', async () => {
  let version = 'a';
  let built = 0;
  const feed = new DashboardFeed({
    snapshot: () => SNAPSHOT,
    history: {
      version: () => version,
      toJSON: () => {
        built++;
        return HISTORY;
      },
    },
    intervalMs: 60_000,
  });
  const one = new FakeResponse();
  const two = new FakeResponse();
  feed.attach(one as unknown as ServerResponse, {});
  feed.attach(two as unknown as ServerResponse, {});
  assert.deepEqual(
    one.frames.map((f) => f.history),
    [true, false],
    'the first frame carries the history; the second viewer joining does not resend it',
  );
  assert.deepEqual(
    two.frames.map((f) => f.history),
    [true],
  );
  feed.poke();
  await tick();
  assert.equal(one.frames.at(-1)?.history, false);
  assert.equal(two.frames.at(-1)?.history, false);

  version = 'b';
  two.writableNeedDrain = true;
  const built0 = built;
  feed.poke();
  await tick();
  assert.equal(one.frames.at(-1)?.history, true);
  assert.equal(two.frames.length, 2, 'a viewer with a full buffer is skipped');
  assert.equal(built - built0, 1, 'the history is serialised once per push, not per viewer');
  two.writableNeedDrain = false;
  feed.poke();
  await tick();
  assert.equal(one.frames.at(-1)?.history, false);
  assert.equal(two.frames.at(-1)?.history, true, 'the skipped viewer still gets version b');
  assert.equal(feed.viewers, 2);
  two.emit('close');
  assert.equal(feed.viewers, 1);
  feed.close();
  assert.equal(feed.viewers, 0);
});
