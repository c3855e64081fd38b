#!/usr/bin/env bash
# `make deploy ENV=staging|production`: remote D1 migrations, then the Worker and, where
# wrangler.toml configures it (staging; not production unless switched on), its console.
set -euo pipefail
env=${1:-}
case $env in
    staging|production) ;;
    *) echo "deploy: say which environment: make deploy ENV=staging (or ENV=production)" >&2; exit 2 ;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# DEPLOY_CONFIG names another configuration (the tests use a copy); wrangler.toml by default.
config=${DEPLOY_CONFIG:-wrangler.toml}
placeholder=$(grep -n "REPLACE_WITH_$(echo "$env" | tr a-z A-Z)_" "$config" || true)
if [ -n "$placeholder" ]; then
    echo "deploy: $config still has placeholder ids for $env:" >&2
    echo "$placeholder" >&2
    echo "Create the resources (README.md, 'Deploy to Cloudflare') and paste their ids." >&2
    exit 1
fi
if ! wrangler whoami --config "$config" 2>&1 | grep -q "You are logged in"; then
    echo "deploy: wrangler is not logged in to Cloudflare: run 'npx wrangler login' first." >&2
    exit 1
fi

wrangler d1 migrations apply "headless-totp-$env" --remote --env "$env" --config "$config"
wrangler deploy --env "$env" --config "$config"
