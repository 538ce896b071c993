/**
 * The fleet's breaker transitions as Redis Lua scripts. Each runs atomically on the breaker's hash,
 * reads the time from Redis (one clock for the whole fleet, whatever the replicas' clocks say),
 * publishes what it changed, and returns the breaker's fleet view as
 * `[state, generation, until, opens, reason, holder, now, verdict]`:
 *
 * - `generation`: rises with every transition (a Redis time in ms, or one more than the last).
 * - `until`: epoch ms (Redis time) when an open period ends, or when a half-open probe lease
 *   lapses; 0 otherwise.
 * - `holder`: the replica that holds the half-open probe lease ('' otherwise).
 * - `verdict`: `applied` when the script changed the state, `current` when it only read it, `local`
 *   when a trip was kept on the reporting replica (the sick-replica rule, docs/scaling.md).
 *
 * Keys of one breaker share the hash tag `{<name>}`, so a script touches one Cluster slot.
 * An absent hash is a closed breaker: closed breakers expire, and 100,000 idle ones cost nothing.
 */

/** Shared preamble: read the hash, the time, and helpers to write and publish. */
const PRELUDE = `
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local h = redis.call('HMGET', key, 's', 'g', 'u', 'o', 'r', 'h')
local s = h[1] or 'closed'
local g = tonumber(h[2]) or 0
local u = tonumber(h[3]) or 0
local o = tonumber(h[4]) or 0
local r = h[5] or ''
local holder = h[6] or ''
local function view(verdict)
  return {s, tostring(g), tostring(u), tostring(o), r, holder, tostring(now), verdict}
end
local function write(ns, nu, no, nr, nh, by, ttl, channel, name)
  -- Generations are Redis times (ms), bumped past the last one: they keep rising even after an
  -- idle closed breaker's hash expired and was created again.
  g = math.max(g + 1, now)
  s = ns; u = nu; o = no; r = nr; holder = nh
  redis.call('HSET', key, 's', s, 'g', g, 'u', u, 'o', o, 'r', r, 'h', holder, 'by', by, 't', now)
  local keep = tonumber(ttl)
  if u > now then keep = keep + (u - now) end
  redis.call('PEXPIRE', key, keep)
  redis.call('PUBLISH', channel, cjson.encode({
    name = name, s = s, g = g, u = u, o = o, r = r, h = holder, by = by, now = now }))
  return view('applied')
end
`;

/**
 * A replica's breaker opened (a trip, or a failed probe). KEYS: breaker, suspects, fleet counts
 * (cleared by the trip, so the next closed period counts from zero).
 * ARGV: replica, openMs, opens, reason, answered (1: the provider answered at least one of the
 * failures), liveReplicas, channel, ttlMs, name, suspectWindowMs.
 *
 * Opens the fleet's breaker when it is closed, when its open period has ended unclaimed, or when
 * the reporting replica holds the probe lease. A trip made only of failures nobody answered
 * (refused or timed-out connections) may be the replica's own network: it opens the fleet's
 * breaker only once a second replica reports the same within `suspectWindowMs`, or when no other
 * replica is alive.
 */
export const TRIP = `${PRELUDE}
local replica = ARGV[1]
local eligible = s == 'closed' or (s == 'open' and now >= u) or (s == 'half-open' and holder == replica)
if not eligible then return view('current') end
if ARGV[5] == '0' and tonumber(ARGV[6]) > 1 then
  local sus = KEYS[2]
  redis.call('ZADD', sus, now, replica)
  redis.call('ZREMRANGEBYSCORE', sus, '-inf', now - tonumber(ARGV[10]))
  redis.call('PEXPIRE', sus, tonumber(ARGV[10]))
  if redis.call('ZCARD', sus) < 2 then return view('local') end
end
redis.call('DEL', KEYS[2], KEYS[3])
return write('open', now + tonumber(ARGV[2]), tonumber(ARGV[3]), ARGV[4], '', replica, ARGV[8], ARGV[7], ARGV[9])
`;

/**
 * A replica asks for the fleet's probe lease. KEYS: breaker. ARGV: replica, leaseMs, channel,
 * ttlMs, name. Granted when the open period has ended, or when the previous holder's lease
 * lapsed (it crashed or lost Redis mid-probe): one holder in the whole fleet at a time.
 */
export const CLAIM = `${PRELUDE}
local replica = ARGV[1]
if (s == 'open' or s == 'half-open') and now >= u then
  return write('half-open', now + tonumber(ARGV[2]), o, 'open_elapsed', replica, replica, ARGV[4], ARGV[3], ARGV[5])
end
return view('current')
`;

/**
 * The probe holder's breaker closed (enough probes succeeded). KEYS: breaker.
 * ARGV: replica, reason, channel, ttlMs, name, alone (1: the replica probed while Redis was
 * unreachable).
 *
 * A replica that probed alone holds no lease, but its probes are evidence the provider is back:
 * its close applies when the fleet's open period (or lease) is over, not over a newer trip.
 */
export const CLOSE = `${PRELUDE}
local replica = ARGV[1]
local alone = ARGV[6] == '1' and (s == 'open' or s == 'half-open') and now >= u
if (s == 'half-open' and holder == replica) or alone then
  return write('closed', 0, 0, ARGV[2], '', replica, ARGV[4], ARGV[3], ARGV[5])
end
return view('current')
`;

/**
 * An operator action (force open, disable, metrics-only, reset): applies fleet-wide whatever the
 * state. KEYS: breaker, fleet counts (cleared: like a local reset, the next closed period counts
 * from zero). ARGV: replica, state, reason, channel, ttlMs, name.
 */
export const OPERATE = `${PRELUDE}
redis.call('DEL', KEYS[2])
return write(ARGV[2], 0, 0, ARGV[3], '', ARGV[1], ARGV[5], ARGV[4], ARGV[6])
`;

/**
 * Reads the fleet view without changing it (the periodic sync). KEYS: breaker.
 */
export const READ = `${PRELUDE}
return view('current')
`;

/**
 * A shared rate limit: a requests bucket and a tokens bucket per limit, taken from together or
 * not at all, refilled from Redis time. KEYS: the limit's hash. ARGV: rpm, tpm (0: not limited),
 * requests to take (1, or -1 to give one back, 0 to only correct tokens), tokens to take
 * (negative gives back), mode (`try`: take only if both suffice; `charge`: take regardless, a
 * debt delays later calls). Returns `[admitted (1/0), ms until both suffice]`.
 */
export const RATE = `
local key = KEYS[1]
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rpm = tonumber(ARGV[1])
local tpm = tonumber(ARGV[2])
local wantR = tonumber(ARGV[3])
local wantT = tonumber(ARGV[4])
local h = redis.call('HMGET', key, 'r', 't', 'at')
local r = tonumber(h[1]) or rpm
local tk = tonumber(h[2]) or tpm
local at = tonumber(h[3]) or now
local elapsed = math.max(0, now - at)
r = math.min(rpm, r + elapsed * rpm / 60000)
tk = math.min(tpm, tk + elapsed * tpm / 60000)
local function waitFor(have, need, perMinute)
  if perMinute <= 0 or need <= have then return 0 end
  return math.ceil((need - have) * 60000 / perMinute)
end
local wait = 0
if ARGV[5] == 'try' then
  if rpm > 0 then wait = math.max(wait, waitFor(r, wantR, rpm)) end
  if tpm > 0 then wait = math.max(wait, waitFor(tk, wantT, tpm)) end
end
local admitted = 0
if wait == 0 then
  admitted = 1
  if rpm > 0 then r = math.min(rpm, r - wantR) end
  if tpm > 0 then tk = math.min(tpm, tk - wantT) end
end
redis.call('HSET', key, 'r', r, 't', tk, 'at', now)
redis.call('PEXPIRE', key, 120000)
return {admitted, wait}
`;

/**
 * A replica's recent outcomes for one breaker, added to the fleet's counts (sent in batches, off
 * the request path). KEYS: breaker, counts. ARGV: replica, successes, failures, trailing failures
 * (after the batch's last success), consecutive threshold (0: off), rate window ms (0: off),
 * buckets, minCalls, failureRate, openMs, backoffMultiplier, maxOpenMs, channel, ttlMs, name.
 *
 * Only failures the provider answered are sent: a replica's own network cannot trip the fleet.
 * Counts only while the fleet's breaker is closed, and trips it when the fleet's consecutive failures (a batch with
 * a success restarts the count from its trailing failures) or its failure rate over the window
 * reaches the threshold.
 */
export const OUTCOMES = `${PRELUDE}
-- Only a closed breaker counts: outcomes of probes, or of calls that straddled a trip, do not
-- carry over into the next closed period.
if s ~= 'closed' then return view('current') end
local counts = KEYS[2]
local succ = tonumber(ARGV[2])
local fails = tonumber(ARGV[3])
local trailing = tonumber(ARGV[4])
local consecutive = tonumber(ARGV[5])
local windowMs = tonumber(ARGV[6])
local cf = tonumber(redis.call('HGET', counts, 'cf')) or 0
if succ > 0 then cf = trailing else cf = cf + fails end
redis.call('HSET', counts, 'cf', cf)
local calls = 0
local failed = 0
if windowMs > 0 then
  local bucketMs = math.max(1, math.floor(windowMs / tonumber(ARGV[7])))
  local b = math.floor(now / bucketMs)
  redis.call('HINCRBY', counts, 'c' .. b, succ + fails)
  redis.call('HINCRBY', counts, 'f' .. b, fails)
  local oldest = b - tonumber(ARGV[7]) + 1
  local fields = redis.call('HKEYS', counts)
  for _, f in ipairs(fields) do
    local kind = string.sub(f, 1, 1)
    if kind == 'c' or kind == 'f' then
      local fb = tonumber(string.sub(f, 2))
      if fb ~= nil and fb < oldest then
        redis.call('HDEL', counts, f)
      elseif fb ~= nil then
        local n = tonumber(redis.call('HGET', counts, f)) or 0
        if kind == 'c' then calls = calls + n else failed = failed + n end
      end
    end
  end
end
redis.call('PEXPIRE', counts, math.max(tonumber(ARGV[14]), windowMs))
local reason = nil
if consecutive > 0 and cf >= consecutive then reason = 'consecutive_failures' end
if reason == nil and windowMs > 0 and calls >= tonumber(ARGV[8]) and calls > 0
  and failed / calls >= tonumber(ARGV[9]) then reason = 'failure_rate' end
if reason == nil then return view('current') end
redis.call('DEL', counts)
local opens = o + 1
local base = math.min(tonumber(ARGV[10]) * tonumber(ARGV[11]) ^ (opens - 1), tonumber(ARGV[12]))
return write('open', now + base, opens, reason, '', ARGV[1], ARGV[14], ARGV[13], ARGV[15])
`;
