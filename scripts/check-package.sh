#!/usr/bin/env bash
# Checks the package as users get it: `npm pack`, the tarball installed into a fresh project (from
# the npm registry only), and there: the CLI's version, the entry points imported from ESM and
# required from CommonJS, the demo's message without the optional `openai` peer, `tsc --noEmit`
# over a typed example, and `breakerbox init` + `breakerbox sim` + `breakerbox serve --config
# breakerbox.yaml` answering one chat request. Loopback only; every step is bounded by `timeout`; whatever it starts is stopped by
# PID on exit. Run it with `npm run check:package`.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VERSION=$(node -p "require('./package.json').version")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/breakerbox-check.XXXXXX")
PIDS=()

cleanup() {
  local pid
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in ${PIDS[@]+"${PIDS[@]}"}; do
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$WORK"
}
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
fail() {
  printf 'check-package: FAILED: %s\n' "$*" >&2
  exit 1
}

for tool in curl tar timeout; do
  command -v "$tool" >/dev/null || fail "needs $tool"
done

# A port free on 127.0.0.1 right now (the kernel's pick; nothing else binds here meanwhile).
free_port() {
  node -e "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { console.log(s.address().port); s.close(); });"
}

# Waits until `url` answers 200, or fails after `seconds`, showing `log`.
wait_for() {
  local url=$1 seconds=$2 log=$3 i
  for ((i = 0; i < seconds * 10; i++)); do
    if curl -fsS --max-time 1 -o /dev/null "$url" 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  cat "$log" >&2 || true
  fail "$url did not answer within ${seconds}s"
}

step "npm pack (prepack: a clean build)"
timeout 180 npm pack --pack-destination "$WORK" --silent >/dev/null
TARBALL=$(ls "$WORK"/breakerbox-*.tgz)
FILES=$(tar -tzf "$TARBALL")
printf '%s: %s bytes, %s files\n' "$(basename "$TARBALL")" "$(wc -c <"$TARBALL" | tr -d ' ')" \
  "$(printf '%s\n' "$FILES" | wc -l | tr -d ' ')"
if printf '%s\n' "$FILES" | grep -E '\.test\.|\.map$|^package/(bench|test|examples|src)/'; then
  fail "the tarball holds tests, benchmarks, sources or source maps (above)"
fi
printf '%s\n' "$FILES" | grep -qx 'package/LICENSE' || fail "the tarball has no LICENSE"

step "npm install the tarball into a fresh project"
APP=$WORK/app
mkdir "$APP"
cd "$APP"
timeout 60 npm init -y >/dev/null
timeout 180 npm install --no-audit --no-fund "$TARBALL" 2>&1 | tee install.log
if grep -q EBADENGINE install.log; then fail "npm install warned EBADENGINE"; fi
BIN=$APP/node_modules/.bin/breakerbox

step "npx breakerbox --version"
GOT=$(timeout 30 npx --no -- breakerbox --version)
[ "$GOT" = "$VERSION" ] || fail "breakerbox --version printed '$GOT', expected '$VERSION'"
echo "$GOT"

step "ESM: import every entry point"
cat >esm.mjs <<'EOF'
import { createBreakerbox, parseConfig } from 'breakerbox';
import { CircuitBreaker } from 'breakerbox/core';
import * as gateway from 'breakerbox/gateway';
import * as sim from 'breakerbox/sim';
for (const [name, value] of Object.entries({ createBreakerbox, parseConfig, CircuitBreaker })) {
  if (typeof value !== 'function') throw new Error(`${name} is ${typeof value}`);
}
if (Object.keys(gateway).length === 0 || Object.keys(sim).length === 0) throw new Error('empty');
console.log('esm: ok');
EOF
timeout 30 node esm.mjs

step "CommonJS: require every entry point"
cat >cjs.cjs <<'EOF'
const { createBreakerbox } = require('breakerbox');
const { CircuitBreaker } = require('breakerbox/core');
const gateway = require('breakerbox/gateway');
const sim = require('breakerbox/sim');
if (typeof createBreakerbox !== 'function' || typeof CircuitBreaker !== 'function') {
  throw new Error('missing exports');
}
if (Object.keys(gateway).length === 0 || Object.keys(sim).length === 0) throw new Error('empty');
console.log('cjs: ok');
EOF
timeout 30 node cjs.cjs

step "breakerbox demo without the optional openai peer: a clear message, exit 1"
set +e
timeout 30 npx --no -- breakerbox demo --duration 5 >demo.log 2>&1
CODE=$?
set -e
cat demo.log
[ "$CODE" = 1 ] || fail "demo exited $CODE, expected 1"
grep -q 'npm install openai' demo.log || fail "demo did not say to install openai"

step "breakerbox demo with openai installed next to it (the version the repository tests with)"
OPENAI_VERSION=$(cd "$ROOT" && node -p "require('./package-lock.json').packages['node_modules/openai'].version")
timeout 120 npm install --no-audit --no-fund "openai@$OPENAI_VERSION" 2>&1 | tail -n 1
timeout 60 npx --no -- breakerbox demo --duration 5 --no-live >demo.log 2>&1 || {
  cat demo.log >&2
  fail "the demo failed with openai $OPENAI_VERSION installed"
}
grep -E '^(PASS|MISS)' demo.log

step "TypeScript: tsc --noEmit over a typed example (the repository's typescript and @types/node)"
TS_PACKAGES=$(cd "$ROOT" && node -p "const p = require('./package-lock.json').packages; ['typescript', '@types/node'].map((n) => n + '@' + p['node_modules/' + n].version).join(' ')")
# shellcheck disable=SC2086 # two package specs
timeout 180 npm install --no-audit --no-fund --save-dev $TS_PACKAGES 2>&1 | tail -n 1
cat >tsconfig.json <<'JSON'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "target": "es2022",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": true,
    "types": ["node"]
  },
  "files": ["typed.mts"]
}
JSON
cat >typed.mts <<'TS'
import { createBreakerbox, type ConfigInput, type ErrorCode } from 'breakerbox';
import { BreakerOpenError, CircuitBreaker } from 'breakerbox/core';
import { startSimulator } from 'breakerbox/sim';

const config: ConfigInput = {
  providers: { openai: { baseURL: 'https://api.openai.com/v1', apiKey: '${OPENAI_API_KEY}' } },
  models: { 'gpt-4.1': { deployments: [{ provider: 'openai' }], strategy: 'least-latency' } },
};
// @ts-expect-error: a strategy that does not exist
const wrong: ConfigInput = { providers: {}, models: { m: { deployments: [], strategy: 'fast' } } };

export async function run(): Promise<string | null | undefined> {
  const bb = createBreakerbox(config);
  const answer = await bb.chat({ model: 'gpt-4.1', messages: [{ role: 'user', content: 'hi' }] });
  const code: ErrorCode = 'all_candidates_failed';
  const breaker = new CircuitBreaker({ trip: { consecutive: 3 } });
  const refused = await breaker.execute(() => Promise.resolve(1)).catch((e: unknown) => e);
  const sim = await startSimulator();
  await sim.close();
  void [wrong, code, refused instanceof BreakerOpenError, answer.breakerbox.deployment];
  return answer.choices[0]?.message.content;
}
TS
timeout 120 npx --no -- tsc -p tsconfig.json || fail "tsc --noEmit failed over the typed example"
echo "tsc: ok"

step "breakerbox init, then sim + serve --config breakerbox.yaml, one chat request"
timeout 30 npx --no -- breakerbox init
[ -f breakerbox.yaml ] || fail "init wrote no breakerbox.yaml"
SIM_PORT=$(free_port)
GW_PORT=$(free_port)
# Started from node_modules/.bin (what npx runs) so that each PID is the process itself.
timeout 120 "$BIN" sim --port "$SIM_PORT" >sim.log 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$SIM_PORT/v1/models" 20 sim.log
OPENAI_BASE_URL="http://127.0.0.1:$SIM_PORT/v1" OPENAI_API_KEY=unused \
  timeout 120 "$BIN" serve --config breakerbox.yaml --port "$GW_PORT" >serve.log 2>&1 &
PIDS+=($!)
wait_for "http://127.0.0.1:$GW_PORT/healthz" 20 serve.log
STATUS=$(timeout 20 curl -sS --max-time 15 -o chat.json -D chat.headers -w '%{http_code}' \
  -H 'content-type: application/json' \
  -d '{"model":"gpt-4.1","messages":[{"role":"user","content":"Say hello."}]}' \
  "http://127.0.0.1:$GW_PORT/v1/chat/completions")
[ "$STATUS" = 200 ] || {
  cat chat.json serve.log >&2
  fail "chat request answered $STATUS"
}
grep -qi '^x-breakerbox-deployment: openai/gpt-4.1' chat.headers ||
  fail "no x-breakerbox-deployment: openai/gpt-4.1 header"
node -e "
const body = JSON.parse(require('node:fs').readFileSync('chat.json', 'utf8'));
const text = body.choices?.[0]?.message?.content;
if (typeof text !== 'string' || text === '') throw new Error('no answer: ' + JSON.stringify(body));
console.log('chat: 200 from openai/gpt-4.1 via the sim:', JSON.stringify(text.slice(0, 60)));
"

cd "$ROOT"
printf '\ncheck-package: ok (%s s)\n' "$SECONDS"
