#!/usr/bin/env bash
# `make dev`: local secrets, migrations, wrangler dev on 127.0.0.1:8787, and a demo account
# whose sandbox and production credentials are printed for the guide's curls.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
if [ ! -f .dev.vars ]; then
    scripts/keys.sh > .dev.vars
    echo "dev: wrote fresh local secrets to .dev.vars (git-ignored)"
elif ! grep -q '^EMAIL_LOOKUP_KEYS=' .dev.vars; then
    # Secrets written before the email lookup key had its own: the emails stored then were
    # hashed under the recovery key, which stays their lookup key until a re-seal moves them.
    recovery=$(sed -n 's/^RECOVERY_HASH_KEY=//p' .dev.vars)
    echo "EMAIL_LOOKUP_KEYS=legacy:$recovery" >> .dev.vars
    echo "dev: added EMAIL_LOOKUP_KEYS to .dev.vars (the old recovery key, as README.md explains)"
fi
wrangler d1 migrations apply DB --local
# The demo console: wrangler.toml configures it per environment, never at its top level (see
# there), so make dev names it here.
wrangler dev --assets www --ip 127.0.0.1 --port 8787 &
wrangler_pid=$!
trap 'kill $wrangler_pid 2>/dev/null; wait $wrangler_pid 2>/dev/null' EXIT INT TERM
node scripts/dev-bootstrap.mjs http://127.0.0.1:8787 acme-backend
wait $wrangler_pid
