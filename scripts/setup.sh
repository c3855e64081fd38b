#!/usr/bin/env bash
# Installs what building and testing need, each pinned; what is present at the right version
# is skipped. Called by every make target, so a fresh machine needs nothing beforehand.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

WORKER_BUILD_VERSION=0.8.7
WASM_PACK_VERSION=0.15.1
# Every wasm-bindgen tool must match the library version resolved in Cargo.lock.
WASM_BINDGEN_VERSION=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/"/, "", $3); print $3 }' Cargo.lock)

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# cargo_tool CRATE BINARY VERSION: `BINARY --version` must print VERSION.
cargo_tool() {
    local crate=$1 binary=$2 version=$3
    if "$HOME/.cargo/bin/$binary" --version 2>/dev/null | grep -qw "$version"; then
        return
    fi
    say "installing $crate $version (a few minutes, once)"
    # --locked is deliberately absent: wasm-bindgen-cli's lockfile pins a crate the registry
    # no longer serves.
    cargo install --quiet --force "$crate" --version "=$version"
}

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi
for component in rustfmt clippy; do
    if ! rustup component list --installed | grep -q "^$component"; then
        rustup component add "$component"
    fi
done

cargo_tool wasm-bindgen-cli wasm-bindgen "$WASM_BINDGEN_VERSION"
cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION"
cargo_tool wasm-pack wasm-pack "$WASM_PACK_VERSION"

# npm packages, exactly as package-lock.json pins them; reinstalled when the lockfile changes.
stamp=node_modules/.lock-sha256
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_hash" ]; then
    say "installing npm packages from package-lock.json"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$lock_hash" > "$stamp"
fi

# schemathesis (PyPI) for fuzzing the API from its OpenAPI document, in a project venv.
SCHEMATHESIS_VERSION=4.32.5
if ! .tools/venv/bin/schemathesis --version 2>/dev/null | grep -qw "$SCHEMATHESIS_VERSION"; then
    say "installing schemathesis $SCHEMATHESIS_VERSION into .tools/venv"
    python3 -m venv .tools/venv
    .tools/venv/bin/pip install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION"
fi

# Debian's Chromium for the browser tests; never a browser downloaded by a test tool.
if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then
    say "installing Debian's chromium and chromium-driver"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium chromium-driver >/dev/null
fi
