/**
 * The starter configuration `breakerbox init` writes. It must stay valid: init.test.ts parses it
 * with the same loader `breakerbox serve` uses.
 */
export const STARTER_CONFIG = `# breakerbox.yaml: a starter gateway configuration, written by \`breakerbox init\`.
#
#   export OPENAI_API_KEY=sk-...          # read when the gateway starts; never write it here
#   npx breakerbox serve --config breakerbox.yaml
#
# then give any OpenAI client the base URL http://127.0.0.1:8787/v1 and call model "gpt-4.1".
# Every key is described in docs/configuration.md (node_modules/breakerbox/docs/ once installed).

# Where requests go. \${VAR} is an environment variable, read when the gateway starts;
# \${VAR:-default} falls back to the default when VAR is unset or empty.
providers:
  openai:
    baseURL: \${OPENAI_BASE_URL:-https://api.openai.com/v1}
    apiKey: \${OPENAI_API_KEY}
    # rpm: 500                     # your tier's requests per minute, enforced before sending
    timeouts: { connectMs: 5000, firstByteMs: 30000, idleMs: 30000, totalMs: 120000 }
  # A second provider lets a model's fallbacks survive a whole provider's outage, e.g.:
  # deepseek:
  #   baseURL: https://api.deepseek.com/v1
  #   apiKey: \${DEEPSEEK_API_KEY}

# The model names clients send. When every deployment of a model fails, or its breaker is open,
# the request goes on to the next model in \`fallbacks\`, within the same deadline.
models:
  gpt-4.1:
    deployments: [{ provider: openai }] # the name at the provider defaults to the key
    fallbacks: [gpt-4.1-mini]
  gpt-4.1-mini:
    deployments: [{ provider: openai }]

# One circuit breaker per deployment: open after 5 failures in a row, for 30 s at first (longer
# on each re-open, never shorter than a 429's Retry-After), then 1 probe; 2 successes close it.
breaker: { trip: { consecutive: 5 }, openMs: 30000, halfOpen: { probes: 1, successes: 2 } }

# At most 2 retries per request beyond one call per candidate, and never more than 20% extra
# traffic overall.
retry: { attempts: 2, budget: 0.2 }

# One deadline per request, across every attempt and fallback.
deadlineMs: 60000

server:
  host: 127.0.0.1 # this machine only: set clientKeys before listening anywhere else
  port: 8787
  # clientKeys: [\${BREAKERBOX_CLIENT_KEY}] # clients then send Authorization: Bearer <key>
  # adminKey: \${BREAKERBOX_ADMIN_KEY}      # enables /admin and \`breakerbox status\`
  logLevel: info
`;
