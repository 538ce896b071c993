// Found by `npm run chaos` ("one of three replicas killed"): replica A held the fleet's probe
// lease, its probe failed (the fleet re-opened for a short backoff, no holder), then A died. B had
// adopted "open until the lease lapses" (permitTimeoutMs, 60 s) while A held the lease, and an
// adopted open deadline only ever grows: B ignored the shorter re-open and stayed shut for a
// minute after the provider was back. A non-holder now waits at most `openMs` before asking the
// fleet again.
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import type { Breakerbox } from '../../src/engine/index.js';
import { startSim } from '../support/start-sim.js';
import {
  fleetEngine,
  freshPrefix,
  nextTransition,
  requireRedis,
  storeOf,
} from '../support/fleet.js';

const PRIMARY = 'sim/primary';
const ask = { model: 'm', messages: [{ role: 'user' as const, content: 'hello' }] };

/** Waits until `bb`'s breaker on the primary would admit a call (its own deadline, no guess). */
async function untilDue(bb: Breakerbox): Promise<void> {
  for (let i = 0; i < 50; i++) {
    const ms = bb.breakers.get(PRIMARY).msUntilAdmission();
    if (ms <= 0) return;
    await new Promise((r) => setTimeout(r, Math.min(ms, 5_000) + 5));
  }
}

before(() => requireRedis());

test('a replica probes once the fleet re-opened after the lease holder failed its probe and left', async (t) => {
  const sim = await startSim(t, { models: { primary: { faults: { down: true } } } });
  const prefix = freshPrefix();
  const breaker = { trip: { consecutive: 3 }, openMs: 300 }; // permitTimeoutMs: 60 s, the default
  const [a, b] = ['a', 'b'].map((id) =>
    fleetEngine(t, { prefix, replicaId: id, sim, breaker }),
  ) as [Breakerbox, Breakerbox];
  await Promise.all([a, b].map((e) => storeOf(e).whenShared()));
  const openOnB = nextTransition(b, PRIMARY, 'open');
  for (let i = 0; i < 3; i++) await a.chat(ask); // three 503s: the fleet opens
  await openOnB;

  // A claims the probe lease once the open period is over: B is told to wait for A's verdict.
  await untilDue(a);
  const probing = nextTransition(a, PRIMARY, 'half-open');
  await a.chat(ask); // asks for the lease (served by the fallback meanwhile)
  await probing;
  await storeOf(b).synced();
  // A's probe fails: the fleet re-opens for 600 ms (the backoff), holder none. A then goes away.
  const reopened = nextTransition(a, PRIMARY, 'open');
  await a.chat(ask);
  await reopened;
  assert.equal(sim.calls('primary'), 4);

  sim.setFaults('primary', null);
  assert.ok(
    b.breakers.get(PRIMARY).msUntilAdmission() <= 1_000,
    `B waits ${b.breakers.get(PRIMARY).msUntilAdmission()} ms, not the fleet's 600 ms open period`,
  );
  // B's own traffic takes the lease and probes the recovered primary, well within the 60 s lease.
  const bProbes = nextTransition(b, PRIMARY, 'half-open', 5_000);
  const bCloses = nextTransition(b, PRIMARY, 'closed', 5_000);
  for (let i = 0; i < 20 && b.breakers.get(PRIMARY).state !== 'closed'; i++) {
    await untilDue(b);
    await b.chat(ask);
  }
  await bProbes;
  await bCloses;
});
